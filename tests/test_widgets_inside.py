"""Nothing a control draws falls outside its picture: a control's figure is laid out once, for
one setting, and every setting its inputs reach afterwards (longer token names, wider colour-bar
labels, another number of heads) has to fit the region its image shows and the canvas that
paints it. A label past either is cut in the reader's picture."""

import matplotlib
import pytest

from transformer_lib.tooling.control_speed import explorers, next_value
from transformer_lib.widgets.base import _SHOWN_REGION

matplotlib.use("Agg")

STOPS = 5  # slider positions visited per input; menus and toggles visit every option


def inputs(box) -> list:
    return list(box.children[-3].children)  # the row of inputs above the image and the numbers


def visits(control) -> int:
    options = getattr(control, "options", None)
    return len(options) if options else STOPS


def reaching_out(figure) -> tuple[float, float]:
    """How far (pixels) the drawn content of `figure` reaches past its canvas and past the region
    its image shows (0 or less: inside)."""
    content = figure.get_tightbbox(figure.canvas.get_renderer())
    region = _SHOWN_REGION[figure]
    width, height = figure.get_size_inches()
    past_canvas = max(-content.x0, -content.y0, content.x1 - width, content.y1 - height)
    past_region = max(region.x0 - content.x0, region.y0 - content.y0, content.x1 - region.x1, content.y1 - region.y1)
    return past_canvas * figure.dpi, past_region * figure.dpi


@pytest.mark.parametrize("name", sorted(explorers()))
def test_every_setting_a_control_reaches_is_drawn_inside_its_picture(name):
    box = explorers()[name]()
    outside = []
    for control in inputs(box):
        for _ in range(visits(control)):
            control.value = next_value(control)
            past_canvas, past_region = reaching_out(box.live_figure())
            if past_canvas > 0.5 or past_region > 0.5:
                settings = {c.description: c.value for c in inputs(box)}
                outside.append(f"{settings}: {past_canvas:.1f} px past the canvas, {past_region:.1f} px past the region")
    assert not outside, "\n".join(outside[:5])
