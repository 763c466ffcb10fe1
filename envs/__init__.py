"""Gymnasium environments over archgym scenarios (``archgym/<Name>-v<N>``)."""
