"""The resolution controller, fed synthetic encode times on a synthetic clock."""

from __future__ import annotations

import pytest

from desktop.video.adaptation import ResolutionController, scaled_size

FRAME = 1 / 30


def feed(controller: ResolutionController, ms: float, seconds: float, start: float) -> float:
    """Feed `seconds` of 30 fps frames each costing `ms`; return the end time."""
    t = start
    for _ in range(round(seconds * 30)):
        controller.observe(ms, t)
        t += FRAME
    return t


def test_steps_down_after_two_seconds_over_budget_not_before() -> None:
    controller = ResolutionController()
    controller.set_source_height(720)
    t = feed(controller, 30.0, 1.9, 0.0)
    assert controller.target_height == 720
    t = feed(controller, 30.0, 0.2, t)
    assert controller.target_height == 540
    # The window starts over at the new size: one more second of slowness does not step again.
    t = feed(controller, 30.0, 1.5, t)
    assert controller.target_height == 540
    feed(controller, 30.0, 0.6, t)
    assert controller.target_height == 360


def test_short_spikes_do_not_step_down() -> None:
    controller = ResolutionController()
    controller.set_source_height(720)
    t = 0.0
    for _ in range(10):  # a keyframe of 60 ms every second, the rest at 10 ms: mean ~11.7 ms
        controller.observe(60.0, t)
        t = feed(controller, 10.0, 29 / 30, t + FRAME)
    assert controller.target_height == 720
    assert controller.changes == 0


def test_walks_down_the_whole_ladder_and_stops_at_the_bottom() -> None:
    controller = ResolutionController()
    controller.set_source_height(720)
    feed(controller, 80.0, 30.0, 0.0)
    assert controller.target_height == 180
    assert controller.changes == 4


def test_steps_back_up_when_the_predicted_cost_fits() -> None:
    controller = ResolutionController()
    controller.set_source_height(720)
    t = feed(controller, 40.0, 2.1, 0.0)
    assert controller.target_height == 540
    # 540p at 12 ms predicts 21 ms at 720p: above 70 % of the budget, so it stays.
    t = feed(controller, 12.0, 15.0, t)
    assert controller.target_height == 540
    # At 8 ms it predicts 14 ms: back to 720p after 10 s of that prediction (the 2 s window
    # needs ~1 s to forget the 12 ms frames), not before.
    t = feed(controller, 8.0, 10.5, t)
    assert controller.target_height == 540
    feed(controller, 8.0, 1.5, t)
    assert controller.target_height == 720


def test_a_480_line_source_is_never_upscaled() -> None:
    controller = ResolutionController()
    controller.set_source_height(480)
    assert controller.levels == [480, 360, 270, 180]
    assert controller.target_height == 480
    feed(controller, 50.0, 2.2, 0.0)
    assert controller.target_height == 360


def test_source_change_keeps_the_current_step_when_possible() -> None:
    controller = ResolutionController()
    controller.set_source_height(720)
    feed(controller, 50.0, 2.2, 0.0)
    assert controller.target_height == 540
    controller.set_source_height(1080)
    assert controller.levels == [720, 540, 360, 270, 180]
    assert controller.target_height == 540


@pytest.mark.parametrize(
    ("source", "height", "expected"),
    [
        ((1280, 720), 540, (960, 540)),
        ((640, 480), 360, (480, 360)),
        ((640, 480), 720, (640, 480)),
        ((1918, 1080), 270, (480, 270)),
    ],
)
def test_scaled_size_keeps_aspect_and_even_sides(
    source: tuple[int, int], height: int, expected: tuple[int, int]
) -> None:
    assert scaled_size(*source, height) == expected


def test_ladder_must_be_descending() -> None:
    with pytest.raises(ValueError):
        ResolutionController(ladder=(360, 720))
