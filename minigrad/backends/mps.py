"""Apple's Metal backend: not supported by minigrad (numpy or cupy only)."""


def is_available():
    return False


def is_built():
    return False
