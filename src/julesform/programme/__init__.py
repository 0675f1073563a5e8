"""Programme files: the model, loading with positions, validation and canonical formatting."""
