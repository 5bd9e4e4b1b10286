"""Helpers of specific chapters: the running example (``toy``) and the language its trained
model learnt (``translation``), the reversal task of chapter 12
(``reversal``, ``snapshots``), and the small experiments behind single figures (``heads``,
``attention_scale``, ``deep_stack``, ``parameter_count``, ``backward_mistakes``)."""
