"""Training models: feature preparation, the classifier, TreeSHAP attribution, version naming."""
