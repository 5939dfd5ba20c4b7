"""One builder per intent: a function ``build(ctx, hit)`` that appends the intent's steps.

The table of intent → builder is ``table.py`` (explicit, no registration by import);
what the builders share for one plan — entities, the topic an earlier message raised,
steps so far — is ``context.BuildContext``.
"""
