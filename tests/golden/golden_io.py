"""Output format shared by the golden scripts: for each array, a line "name count" and a line of
count values, printed with 17 significant digits so that float32 inputs round-trip exactly."""
import sys

import numpy as np


def emit(name, values):
    flat = np.asarray(values, dtype=np.float64).ravel()
    sys.stdout.write(f"{name} {flat.size}\n")
    sys.stdout.write(" ".join(repr(float(x)) for x in flat) + "\n")
