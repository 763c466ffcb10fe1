"""archgym: a gym for accelerator / neural-network co-design."""
__version__ = "0.1.0"
