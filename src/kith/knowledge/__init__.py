"""Knowledge: versioned spaces of documents, retrieval and cited extractive answers (S9)."""
