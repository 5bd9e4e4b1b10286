"""Chapter-specific drawings, one module per concept. They only draw: every number they show
is computed by the rest of the package and passed in. The chapters' static figures and the
live controls of `transformer_lib.widgets` draw through the same functions."""

from .font_lookup import look_up_fonts_once
from .fonts import use_korean_font
from .notebook_png import draw_shown_figures_once

use_korean_font()  # Hangul in every figure the package draws (every drawing module imports this package)
look_up_fonts_once()  # and each font found once, not again for every text
draw_shown_figures_once()  # and, in a notebook, each figure shown drawn once, not twice
