"""google-research/bert ``tokenization.py`` (PyPI ``bert-tensorflow``), importable
without TensorFlow: it uses TensorFlow only for ``tf.gfile.GFile`` and reads one
absl flag, so a stub module and parsed flags are enough."""

import importlib.machinery
import io
import sys
import types


def _install_tensorflow_stub() -> None:
    if "tensorflow" in sys.modules:
        return

    class GFile:
        """TensorFlow's GFile reads UTF-8 and ends lines at "\\n" only."""

        def __new__(cls, path, mode="r"):
            return io.open(path, mode, encoding="utf-8", newline="\n")  # noqa: UP020

    v1 = types.ModuleType("tensorflow.compat.v1")
    v1.gfile = types.SimpleNamespace(GFile=GFile)
    compat = types.ModuleType("tensorflow.compat")
    compat.v1 = v1
    tf = types.ModuleType("tensorflow")
    tf.compat = compat
    # A spec, as a real module has: importlib.util.find_spec("tensorflow"),
    # which datasets calls on import, raises for a module without one.
    for module in (tf, compat, v1):
        module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
    sys.modules.update({"tensorflow": tf, "tensorflow.compat": compat, "tensorflow.compat.v1": v1})


_install_tensorflow_stub()

from absl import flags  # noqa: E402

flags.FLAGS.mark_as_parsed()

from bert import tokenization  # noqa: E402

__all__ = ["tokenization"]
