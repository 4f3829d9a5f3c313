"""course.yaml is validated on load, and errors name the bad key."""

from __future__ import annotations

import pytest
import yaml

from autograder import config


def _write(tmp_path, data) -> str:
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.fixture
def raw(root):
    return yaml.safe_load((root / "course.yaml").read_text())


def test_the_chapters_course_loads_its_eight_assignments_in_order(course):
    # About this chapter's content itself: sections 7.1-7.7 and the modern-architectures notes.
    assert [a.id for a in course.assignments] == [
        "01_dense_to_conv", "02_convolutions", "03_padding_stride", "04_channels",
        "05_pooling", "06_lenet", "07_modern_blocks", "08_modern_architectures",
    ]
    assert all(a.checks for a in course.assignments)


def test_unknown_key_is_named(tmp_path, raw):
    raw["assignments"][1]["pionts"] = 3
    with pytest.raises(config.CourseConfigError, match=r"assignments\.1\.pionts"):
        config.load(_write(tmp_path, raw))


def _trained(raw) -> tuple[int, dict]:
    """The position and training section of the (first) assignment that has one."""
    return next((i, a["training"]) for i, a in enumerate(raw["assignments"]) if "training" in a)


def test_wrong_type_is_named(tmp_path, raw):
    i, training = _trained(raw)
    training["epochs"] = "ten"
    with pytest.raises(config.CourseConfigError, match=rf"assignments\.{i}\.training\.epochs"):
        config.load(_write(tmp_path, raw))


def test_missing_required_key_is_named(tmp_path, raw):
    i, training = _trained(raw)
    del training["threshold"]
    with pytest.raises(config.CourseConfigError, match=rf"assignments\.{i}\.training\.threshold"):
        config.load(_write(tmp_path, raw))


def test_non_positive_points_are_refused(tmp_path, raw):
    raw["assignments"][0]["checks"]["check_dense_layer_params"] = 0
    with pytest.raises(config.CourseConfigError, match="check_dense_layer_params"):
        config.load(_write(tmp_path, raw))


def test_duplicate_assignment_ids_are_refused(tmp_path, raw):
    raw["assignments"].append(dict(raw["assignments"][0]))
    with pytest.raises(config.CourseConfigError, match="appears twice"):
        config.load(_write(tmp_path, raw))


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "course.yaml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(config.CourseConfigError, match="not valid YAML"):
        config.load(path)


def test_partial_credit_ladder(tmp_path, raw):
    course = config.load(_write(tmp_path, raw))
    p = course.assignments[_trained(raw)[0]].training
    assert p.credit(p.threshold) == 1.0
    rungs = sorted(p.partial_credit, key=lambda r: r.accuracy)
    assert p.credit(rungs[0].accuracy - 0.01) == 0.0
    assert p.credit(rungs[-1].accuracy) == rungs[-1].fraction


def test_partial_credit_rung_above_threshold_is_refused(tmp_path, raw):
    _, training = _trained(raw)
    training["partial_credit"] = [{"accuracy": training["threshold"] + 0.01, "fraction": 0.5}]
    with pytest.raises(config.CourseConfigError, match="partial_credit"):
        config.load(_write(tmp_path, raw))


def test_data_root_is_relative_to_course_file_and_env_overrides(tmp_path, raw, monkeypatch):
    raw["data_root"] = "somewhere"
    course = config.load(_write(tmp_path, raw))
    monkeypatch.delenv(config.DATA_ROOT_ENV, raising=False)
    assert course.data_path() == (tmp_path / "somewhere").resolve()
    monkeypatch.setenv(config.DATA_ROOT_ENV, str(tmp_path / "elsewhere"))
    assert course.data_path() == tmp_path / "elsewhere"


def test_data_root_is_optional_and_defaults_to_a_per_user_cache(tmp_path, raw, monkeypatch):
    """A real user's default, not this repository's development layout (../shared/data)."""
    raw.pop("data_root", None)
    course = config.load(_write(tmp_path, raw))
    monkeypatch.delenv(config.DATA_ROOT_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert course.data_path() == tmp_path / "xdg" / "cnn-course" / "data"
    assert course.data_source() == "the default per-user cache"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert course.data_path() == tmp_path / "home" / ".cache" / "cnn-course" / "data"
    monkeypatch.setenv(config.DATA_ROOT_ENV, str(tmp_path / "elsewhere"))
    assert course.data_path() == tmp_path / "elsewhere" and course.data_source() == "$COURSE_DATA_ROOT"


def test_the_shipped_course_yaml_does_not_pin_the_development_data_folder(root):
    raw = yaml.safe_load((root / "course.yaml").read_text())
    assert "shared" not in str(raw.get("data_root") or "")
