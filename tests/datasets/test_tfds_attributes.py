"""Binary attributes of a tensorflow-datasets set (CelebA's 40) as StarGAN's domain labels.

CelebA itself (1.3 GB from Google Drive) is never here: the loading tests read tfds' mock data,
random examples with CelebA's real features (218x178 faces, 40 boolean attributes), through the
real `load` pipeline. The refusals run against the real builder, with the network taken away.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import datasets
from keras_gan.datasets import pipeline


def _raw_examples(builder):
    return list(builder.as_dataset(split="train", shuffle_files=False).as_numpy_iterator())


def test_the_attributes_are_each_examples_flags_in_the_order_asked(mock_celeb_a):
    names = ("Young", "Male", "Bald")  # not the dataset's (alphabetical) order
    ds, info = datasets.load(
        "celeb_a", attributes=",".join(names), batch_size=4, image_size=16, shuffle=False,
        with_info=True,
    )  # fmt: skip
    assert info.element == "images_attributes" and info.attribute_names == names
    assert (info.image_shape, info.num_examples, info.steps_per_epoch) == ((16, 16, 3), 12, 3)
    images, attributes = (np.concatenate(parts) for parts in zip(*ds.as_numpy_iterator()))
    raw = _raw_examples(mock_celeb_a)
    expected = np.array([[float(ex["attributes"][n]) for n in names] for ex in raw], np.float32)
    assert attributes.dtype == np.float32 and attributes.shape == (12, 3)
    np.testing.assert_array_equal(attributes, expected)
    assert 0 < expected.mean() < 1  # the mock's flags are not all equal: the columns are real
    # DCGAN's celeb_a default: the centred 108x108 of the 218x178 face (rows 55.., columns 35..)
    crops = np.stack([ex["image"][55:163, 35:143] for ex in raw])
    scaled = pipeline.resize_uint8(crops, (16, 16)).numpy() / 127.5 - 1.0
    np.testing.assert_allclose(images, scaled, atol=1e-6)


def test_a_sequence_and_a_crop_of_ones_own(mock_celeb_a):
    ds = datasets.load(
        "celeb_a", attributes=["Smiling"], center_crop=178, image_size=8, batch_size=12,
        shuffle=False,
    )  # fmt: skip
    images, attributes = next(iter(ds))
    raw = _raw_examples(mock_celeb_a)
    crops = np.stack([ex["image"][20:198, 0:178] for ex in raw])  # StarGAN's 178x178 centre
    np.testing.assert_allclose(
        images, pipeline.resize_uint8(crops, (8, 8)).numpy() / 127.5 - 1.0, atol=1e-6
    )
    np.testing.assert_array_equal(
        attributes[:, 0], [float(ex["attributes"]["Smiling"]) for ex in raw]
    )


def test_the_training_stream_continues_from_any_step(mock_celeb_a):
    # A run resumed at step 1 reads what the uninterrupted run reads from its step 1 on.
    def stream(step):
        return datasets.load(
            "celeb_a", attributes="Male", batch_size=4, image_size=8, seed=3, start_step=step
        )

    straight = [b for b, _ in zip(stream(0).as_numpy_iterator(), range(5))]
    resumed = [b for b, _ in zip(stream(1).as_numpy_iterator(), range(4))]
    for (x, a), (y, b) in zip(straight[1:], resumed):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(straight[0][0], straight[3][0])  # a new epoch, reshuffled


def test_available_attributes_are_celeb_as_forty_and_none_elsewhere():
    names = datasets.available_attributes("celeb_a")
    assert len(names) == 40 and set(datasets.STARGAN_CELEBA_ATTRIBUTES) <= set(names)
    assert names[:2] == ("5_o_Clock_Shadow", "Arched_Eyebrows")
    assert datasets.available_attributes("mnist") == ()


@pytest.mark.parametrize(
    "attributes, message",
    [
        ("Blond_hair", "has no attribute 'Blond_hair' (did you mean 'Blond_Hair'?)"),
        ("Male,Smilling", "has no attribute 'Smilling' (did you mean 'Smiling'?)"),
        ("Male,Male", "each attribute may be named once"),
        ("", "name at least one attribute"),
        (["Male", 3], "as a comma-separated str or a list of str"),
        (5, "as a comma-separated str or a list of str"),
    ],
)
def test_wrong_attributes_are_refused_before_anything_is_prepared(
    attributes, message, tmp_path, monkeypatch, no_network, no_download
):
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))  # no celeb-a folder in it
    with pytest.raises(ValueError) as error:
        datasets.load("celeb_a", attributes=attributes, data_dir=str(tmp_path / "tfds"))
    text = str(error.value)
    assert message in text and "Known: 5_o_Clock_Shadow, " in text and "\n" not in text
    assert no_network == [] and not (tmp_path / "tfds").exists()


def test_attributes_of_a_set_without_them_and_with_labels_are_refused(
    tmp_path, no_network, no_download
):
    with pytest.raises(ValueError, match="'mnist' has no binary attributes"):
        datasets.load("mnist", attributes="Male", data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="cannot be combined"):
        datasets.load("celeb_a", attributes="Male", with_labels=True, data_dir=str(tmp_path))
    with pytest.raises(TypeError, match="does not take option"):
        datasets.load("digits", attributes="Male")


def test_celeb_a_without_its_files_names_them_at_once(
    tmp_path, monkeypatch, no_network, no_download
):
    (tmp_path / "raw").mkdir()
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))
    with pytest.raises(datasets.DataNotFoundError) as error:
        datasets.load("celeb_a", attributes="Male,Young", data_dir=str(tmp_path / "tfds"))
    text = str(error.value)
    assert "has no 'celeb-a' folder for dataset 'celeb_a'" in text and "\n" not in text
    for name in ("img_align_celeba.zip", "list_attr_celeba.txt", "list_eval_partition.txt"):
        assert name in text
    assert no_network == [] and not (tmp_path / "tfds").exists()
    assert tf.io.gfile.listdir(str(tmp_path / "raw")) == []
