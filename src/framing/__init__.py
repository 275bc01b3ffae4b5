"""framing: find loaded framing in news, sentence by sentence."""

__version__ = "0.1.0"
