"""viz.show_images, the row of pictures the style notebooks (04-06) show every result in."""

import matplotlib.pyplot as plt  # the Agg backend: tests/conftest.py sets MPLBACKEND
import numpy as np
import pytest

from ganstyle_lib import viz


@pytest.fixture
def shown(monkeypatch) -> list:
    """The figures viz.show_images hands to plt.show (then closed)."""
    figures: list = []
    monkeypatch.setattr(plt, "show", lambda: figures.append(plt.gcf()))
    yield figures
    plt.close("all")


def test_a_row_of_pictures_with_titles_and_the_features_label(shown) -> None:
    photo = np.full((8, 12, 3), 0.5, np.float32)
    batch = np.stack([np.zeros((8, 12, 3)), np.ones((8, 12, 3))]).astype(np.float32)  # the first is shown
    viz.show_images([photo, batch], ["photo", "result"], "Style transfer", label="features: X", size=2.0, aspect=1.1)
    [fig] = shown
    assert tuple(fig.get_size_inches()) == pytest.approx((4.0, 2.2))
    assert [ax.get_title() for ax in fig.axes] == ["photo", "result"]
    assert fig.get_suptitle() == "Style transfer\nfeatures: X"
    pixels = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert pixels[0].dtype == np.uint8 and int(pixels[0].max()) == 128 and pixels[0].shape == (8, 12, 3)
    assert int(pixels[1].max()) == 0  # batch[0], all black


@pytest.mark.parametrize(("suptitle", "label", "expected"), [("", "features: X", "features: X"), ("a", "", "a")])
def test_the_figure_title_leaves_out_what_is_empty(shown, suptitle, label, expected) -> None:
    viz.show_images([np.zeros((4, 4, 3), np.float32)], ["x"], suptitle, label=label)
    assert shown[0].get_suptitle() == expected


def test_pictures_outside_0_1_are_refused(shown) -> None:
    with pytest.raises(ValueError, match="255"):
        viz.show_images([np.full((4, 4, 3), 200.0)], ["0..255"])
