"""Colours for lines that must be told apart in one figure: the Okabe-Ito palette (Okabe & Ito,
"Color Universal Design", 2008), chosen so that its colours stay distinct with the common
colour-vision deficiencies (matplotlib's default cycle puts green beside orange and red).
Yellow, hard to see on white, comes last."""

LINE_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
