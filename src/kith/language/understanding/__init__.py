"""The trained understanding layer under the planner's rules: a clause-level intent
classifier trained on a generated, deliberately varied corpus (``corpus``), shipped as
weights (``data/intents.json.gz``) and scored without scikit-learn (``classifier``)."""
