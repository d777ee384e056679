// Placeholder: NPY/NPZ reading and writing (seed `.npz` layout). Owned by the foundation work.
