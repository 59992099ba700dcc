"""Neural style transfer: VGG features, Gram-matrix losses, optimisation and feed-forward networks."""
