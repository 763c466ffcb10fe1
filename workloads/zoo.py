"""The model zoo: reference networks as inference graphs, the way a TFLite / Edge TPU runs them.

Conventions shared by every network here (batch 1):

* BatchNorm is folded into the preceding convolution. Its parameters are not counted and
  folding does not add a bias to the convolution (``bias=False``), so parameter counts are
  those of the trained model without its BatchNorm layers.
* Activations are fused into the MAC layer that produces their input (``activation=``),
  as TFLite fuses them. An activation that follows an element-wise add (ResNet) is a
  separate :class:`~archgym.workloads.Activation` layer.
* A BatchNorm that follows a residual add (the pre-activation of ResNet v2) cannot be
  folded: it is a per-channel affine ``Elementwise(op="mul", n_inputs=1)``, its ReLU a
  separate ``Activation`` (as :func:`~archgym.workloads.from_torch` imports them).
* Residual adds are ``Elementwise(op="add", inputs=(a, b))`` naming both producers;
  squeeze-and-excite gates are ``GlobalPool`` + two 1x1 convolutions (with bias) +
  ``Elementwise(op="mul")`` naming the gated tensor and the gate.
* Channel concatenations (Inception, SqueezeNet) are ``Concat`` layers naming every
  producer in order (a copy by default; see :class:`~archgym.workloads.Concat`).
* Global average pooling is a ``GlobalPool``; the classifier is a ``Linear`` with bias.
* Padding reproduces the spatial sizes of the real networks ("same" padding for the odd
  kernels used here gives ``ceil(H / stride)``, as TensorFlow's ``SAME`` does).
* Dropout, the softmax at the end of a classifier and the attention scale
  ``1/sqrt(d_head)`` (folded into the query projection at inference) are not layers.

Each workload's ``meta`` records ``source`` (where the definition comes from),
``published_macs`` and ``published_params`` (the figures the literature reports for that
exact definition), ``params_convention`` and, where the workload leaves some parameters
out (embedding tables), ``params_excluded`` so that ``params + params_excluded`` is the
published total. The networks of Coral's Edge TPU benchmark table also carry
``coral_benchmark``: Coral's name for the network, the input size it was measured at (which
may differ from the builder's default, e.g. ResNet-50 V1 at 299x299) and its published
latency on the USB Accelerator.

Example::

    from archgym import workloads

    wl = workloads.load("mobilenet_v2", input_size=160, width_multiplier=0.75)
    print(wl.macs, wl.params)

The networks are built by family, one module each (a new network goes into its family's
module, or a new ``zoo_<family>.py``, and gets one entry in :data:`ZOO` here):
``zoo_mobilenet`` (MobileNet v1, v2, EdgeTPU), ``zoo_efficientnet`` (EfficientNet-B0,
EfficientNet-EdgeTPU S/M/L), ``zoo_resnet`` (ResNet-50 v1.5 and v1, ResNet-152 v2),
``zoo_inception`` (Inception v1, v4), ``zoo_classic`` (VGG16, SqueezeNet) and
``zoo_transformer`` (BERT-base, ViT-B/16); ``zoo_graph`` holds the graph builder they share.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .layers import WorkloadError
from .workload import Workload
from .zoo_classic import squeezenet, vgg16
from .zoo_efficientnet import (
    efficientnet_b0,
    efficientnet_edgetpu_l,
    efficientnet_edgetpu_m,
    efficientnet_edgetpu_s,
)
from .zoo_inception import inception_v1, inception_v4
from .zoo_mobilenet import mobilenet_edgetpu, mobilenet_v1, mobilenet_v2
from .zoo_resnet import resnet50, resnet50_v1, resnet152_v2
from .zoo_transformer import bert_base, vit_b16

__all__ = [
    "ZOO",
    "list_zoo",
    "load",
    "mobilenet_v1",
    "mobilenet_v2",
    "mobilenet_edgetpu",
    "efficientnet_b0",
    "resnet50",
    "resnet50_v1",
    "resnet152_v2",
    "vgg16",
    "squeezenet",
    "inception_v1",
    "inception_v4",
    "efficientnet_edgetpu_s",
    "efficientnet_edgetpu_m",
    "efficientnet_edgetpu_l",
    "bert_base",
    "vit_b16",
]


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------

#: Zoo networks by name; each builder takes keyword options and returns a ``Workload``.
ZOO: dict[str, Callable[..., Workload]] = {
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_edgetpu": mobilenet_edgetpu,
    "efficientnet_b0": efficientnet_b0,
    "resnet50": resnet50,
    "resnet50_v1": resnet50_v1,
    "resnet152_v2": resnet152_v2,
    "vgg16": vgg16,
    "squeezenet": squeezenet,
    "inception_v1": inception_v1,
    "inception_v4": inception_v4,
    "efficientnet_edgetpu_s": efficientnet_edgetpu_s,
    "efficientnet_edgetpu_m": efficientnet_edgetpu_m,
    "efficientnet_edgetpu_l": efficientnet_edgetpu_l,
    "bert_base": bert_base,
    "vit_b16": vit_b16,
}


def list_zoo() -> list[str]:
    """Names of the zoo networks, sorted."""
    return sorted(ZOO)


def load(name: str, batch: int = 1, **options: Any) -> Workload:
    """Build a zoo network.

    Args:
        name: a name from :func:`list_zoo` (case-insensitive; ``-`` and ``_`` are the same).
        batch: images (sequences) per inference call, for every network (see
            :class:`~archgym.workloads.Workload`).
        **options: the builder's options, e.g. ``input_size=160``, ``num_classes=10``,
            ``width_multiplier=0.75``, ``seq_len=384``.

    Returns:
        The workload.

    Raises:
        WorkloadError: an unknown name (the message lists the known ones), an option the
            network does not take (the message names it and lists the accepted ones), or
            an invalid option value.
    """
    key = str(name).strip().lower().replace("-", "_")
    if key not in ZOO:
        raise WorkloadError(f"unknown zoo workload {name!r}; known: {', '.join(list_zoo())}")
    builder = ZOO[key]
    accepted = [p for p in inspect.signature(builder).parameters]
    unknown = [k for k in options if k not in accepted]
    if unknown:
        raise WorkloadError(
            f"zoo workload {key!r} does not take option(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(accepted)}, batch"
        )
    return builder(**options).with_batch(batch)
