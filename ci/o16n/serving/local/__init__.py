"""The local serving target: MLServer processes behind one router, reconciled to git."""
