"""The model as the paper draws it: one module per box, each layer's ``forward`` beside its
``backward``. Read them in the chapters' order: ``embedding`` (01), ``positional_encoding`` (02),
``attention`` (03, 04), ``layer_norm`` and ``dropout`` (05), ``feed_forward`` (06), ``encoder`` (07),
``masks`` (08), ``decoder`` (09), ``transformer`` and ``loss`` (10); ``linear``, ``softmax`` and
``module`` are the pieces they are built from, ``config`` the sizes and switches they share, and
``validation`` the input checks."""
