"""Training the student's LeNet: the grader's loop, its sandboxed run, and its scoring.

The full-protocol run (60k images, 10 epochs) happens once here, on the reference
solution; the other cases use one epoch, which is enough to tell a broken net, a
cheating one, or a diverging one from a working one.
"""

from __future__ import annotations

import pytest
import torch

from autograder import config
from autograder.grading import content, grade, trained as lenet
from autograder.reports import feedback, report
from autograder.runtime import sandbox
from autograder.runtime.sandboxed import training
from corpus.build import write_submission
from sandbox_util import wait_for_no_leftovers

AID = "06_lenet"
ChapterLeNet = content.module(config.load(), AID, "oracles").ChapterLeNet  # the chapter's net, without the notebook
TRAINING_TEST = "lenet_trains_on_fashion_mnist"


def _one_epoch(course):
    return course.with_training(AID, **{"epochs": 1})


def _training_result(result: grade.SubmissionResult) -> grade.TestResult:
    (t,) = [t for t in result.tests if t.name == TRAINING_TEST]
    return t


def _subset(n: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    split = lenet.fashion_mnist(True, str(config.load().data_path()))
    return split.images[:n], split.labels[:n]


def test_fit_is_repeatable():
    images, labels = _subset()
    protocol = training.Protocol(seed=3, epochs=2, batch_size=128, lr=0.9)
    runs = []
    for _ in range(2):
        torch.manual_seed(protocol.seed)  # biases keep torch's default init, as in the chapter: seed before building
        net = ChapterLeNet()
        hist = training.fit(net, images, labels, protocol)
        runs.append((hist.loss, {k: v.clone() for k, v in net.state_dict().items()}))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(runs[0][1][k], runs[1][1][k]) for k in runs[0][1])
    other = ChapterLeNet()
    assert training.fit(other, images, labels, training.Protocol(seed=4, epochs=2, batch_size=128)).loss != runs[0][0]


def test_fit_visits_every_example_once_per_epoch():
    """A partial last batch is kept (60,000 is not a multiple of 256), as the chapter's DataLoader does."""
    seen = []

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(28 * 28, 10)

        def forward(self, x):
            if self.training and torch.is_grad_enabled():  # not the layout probe
                seen.append(x.shape[0])
            return self.fc(x.flatten(1))

    images, labels = _subset(1000)
    training.fit(Recorder(), images, labels, training.Protocol(epochs=2, batch_size=256))
    assert seen == [256, 256, 256, 232] * 2


def test_reference_lenet_trains_past_the_threshold_in_the_sandbox(tmp_path, course):
    """The real protocol (course.yaml), through the sandbox, with the curve written for feedback."""
    write_submission(tmp_path / "sub", course, AID)
    out = tmp_path / "autograded" / "student"  # feedback inlines images from the student's autograded/ only
    result = grade.grade(tmp_path / "sub", course, only=[AID], workdir=out)
    t = _training_result(result)
    assert t.score == t.max_score == course.assignment(AID).hidden[TRAINING_TEST], t.output
    acc = float(t.output.split("test accuracy ")[1].split()[0])
    assert course.assignment(AID).training.threshold <= acc < 0.95
    assert len(t.output.split("training loss per epoch, as your run reported it: ")[1].split(",")) == course.assignment(AID).training.epochs
    png = out / "lenet_curve.png"
    assert t.files == {"training curve": str(png)} and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    here = course.model_copy(update={"root": tmp_path})
    html = feedback.render(here, "student", report.record(result))  # the curve travels into the feedback
    assert '<img alt="training curve" src="data:image/png;base64,' in html
    assert [(x.name, x.output) for x in result.tests if not x.passed] == []
    assert wait_for_no_leftovers([str(tmp_path / "sub")]) == []


CONSTANT = '''
class LeNet(nn.Module):
    """Ignores its input: every image gets the same logits."""
    def __init__(self, num_classes=10):
        super().__init__()
        self.out = nn.Linear(1, num_classes)

    def forward(self, X):
        return self.out(torch.ones(X.shape[0], 1))
'''


def test_a_lenet_that_cannot_learn_gets_no_training_points(tmp_path, course):
    quick = _one_epoch(course)
    write_submission(tmp_path, quick, AID, {"LeNet": CONSTANT})
    result = grade.grade(tmp_path, quick, only=[AID])
    t = _training_result(result)
    assert t.score == 0 and not t.grader_error
    # Its parameters are not LeNet's: the grader cannot even load them into the chapter's architecture.
    assert "not the architecture's" in t.output and "(10, 1)" in t.output, t.output
    # results.json carries the fraction honestly.
    entry = [e for e in report.gradescope(result)["tests"] if e["name"].endswith(TRAINING_TEST)][0]
    assert entry["score"] == 0 and entry["status"] == "failed" and entry["tags"] == ["LeNet"]


CHEAT = '''
import glob, hashlib

KNOWN = []  # the test fills in where this machine really keeps the data

def _search(root):
    try:  # a folder nested too deep for glob (another test makes one in /tmp) is no reason to stop
        return glob.glob(root + "/**/t10k-labels-idx1-ubyte", recursive=True)
    except (RecursionError, OSError):
        return []

def _find_test_labels():
    """Look where a course might keep Fashion-MNIST for the test set's labels and images."""
    guesses = [p for root in ("/submission", "/tmp", "/work", "/root", "/home", "/data", "/srv", "/mnt")
               for p in _search(root)]
    for labels in KNOWN + guesses:
        images = labels.replace("labels-idx1", "images-idx3")
        try:
            lab = open(labels, "rb").read()[8:]
            img = open(images, "rb").read()[16:]
        except OSError:
            continue
        return {hashlib.sha1(img[i * 784:(i + 1) * 784]).hexdigest(): lab[i] for i in range(len(lab))}
    return {}

class LeNet(nn.Module):
    """Answers from the test labels when it can read them; otherwise knows nothing."""
    def __init__(self, num_classes=10):
        super().__init__()
        self.answers = _find_test_labels()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, X):
        out = torch.zeros(X.shape[0], 10)
        for i, x in enumerate(X):
            key = hashlib.sha1((x[0] * 255).round().to(torch.uint8).numpy().tobytes()).hexdigest()
            out[i, self.answers.get(key, 0)] = 1.0
        return out * self.scale
'''


def _cheat(course) -> str:
    real = str((course.data_path() / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte").resolve())
    return CHEAT.replace("KNOWN = []", f"KNOWN = [{real!r}]")


def test_the_sandbox_never_sees_the_test_labels(tmp_path, course):
    if sandbox.mode() != "bwrap":
        pytest.skip("without bubblewrap the child can read the data root; a documented limit of the fallback")
    quick = _one_epoch(course)
    write_submission(tmp_path, quick, AID, {"LeNet": _cheat(course)})
    t = _training_result(grade.grade(tmp_path, quick, only=[AID]))
    assert t.score == 0 and not t.grader_error, t.output


def test_the_cheat_would_work_if_it_could_read_the_labels(course):
    """Guards the test above: the cheat is real, so its zero comes from the sandbox, not from a bug."""
    ns = {"nn": torch.nn, "torch": torch}
    exec(_cheat(course), ns)  # noqa: S102
    test = lenet.fashion_mnist(False, str(course.data_path()))
    logits = training.predict(ns["LeNet"](), test.images[:300])
    assert training.accuracy(logits, test.labels[:300]) == 1.0


def _reference_lenet(course) -> str:
    from autograder.notebook import load_cells
    from corpus.build import strip_markers

    a = course.assignment(AID)
    (cell,) = [c for c in load_cells(course.solutions_dir / AID / a.notebook) if c.grade_id == "LeNet"]
    return strip_markers(cell.source)


def test_a_lenet_that_answers_otherwise_in_eval_mode_gets_no_training_points(tmp_path, course):
    """A realistic slip (in eval mode, forward returns the predicted classes), on a LeNet that trains
    well: the grader scores the weights itself, and requires the net to answer like LeNet in both modes."""
    quick = _one_epoch(course)
    source = _reference_lenet(course) + (
        "\n\n_forward = LeNet.forward\n\n"
        "def _classes_in_eval(self, X):\n    y = _forward(self, X)\n    return y if self.training else y.argmax(dim=1)\n\n"
        "LeNet.forward = _classes_in_eval\n")
    write_submission(tmp_path, quick, AID, {"LeNet": source})
    t = _training_result(grade.grade(tmp_path, quick, only=[AID]))
    assert t.score == 0 and not t.grader_error
    assert "in eval mode, the net's output" in t.output, t.output


def test_partial_credit_follows_the_ladder():
    from autograder.config import TrainingProtocol

    p = TrainingProtocol(target="LeNet", threshold=0.7, partial_credit=[{"accuracy": 0.4, "fraction": 0.25}, {"accuracy": 0.6, "fraction": 0.5}])
    assert [p.credit(a) for a in (0.95, 0.7, 0.69, 0.6, 0.5, 0.4, 0.39, 0.0)] == [1, 1, 0.5, 0.5, 0.25, 0.25, 0, 0]


def test_calibration_recommends_below_the_worst_run():
    cal = lenet.Calibration([0.81, 0.79, 0.805], "cpu", [1.0, 1.0, 1.0], margin=0.03)
    assert cal.recommended == 0.76
    assert "min 0.7900" in cal.summary() and "median 0.8050" in cal.summary()


def test_a_gpu_the_sandbox_cannot_use_falls_back_to_the_cpu(tmp_path, course, monkeypatch, caplog):
    """On a GPU machine the training child gets the device nodes; should CUDA still not work inside
    the sandbox, a correct student is trained on the CPU (and the instructor warned), not failed.
    Here the parent is told there is a GPU, and the child, on a machine without one, finds none."""
    from autograder.grading.submission import Submission

    if torch.cuda.is_available():
        pytest.skip("a real GPU is present: the fallback cannot be provoked this way")
    quick = _one_epoch(course)
    write_submission(tmp_path, quick, AID)
    monkeypatch.setattr(lenet, "device", lambda: "cuda")
    with Submission(tmp_path, quick) as sub, caplog.at_level("WARNING"):
        trained = lenet.train_student(sub, AID, quick)
    assert trained.device == "cpu" and len(trained.loss) == 1 and trained.accuracy > 0.15
    assert "trained on the CPU instead" in caplog.text
    assert wait_for_no_leftovers([str(tmp_path)]) == []


# ----------------------------------------------------------------------- CUDA graphs
class _PythonGraph:
    """Stands in for a CUDA graph on the CPU with the same contract: capturing records the step
    and runs nothing; each replay runs the recorded step on whatever its buffers hold now."""

    def __init__(self, fail_capture: str | None = None) -> None:
        self.step, self.fail_capture, self.warmed = None, fail_capture, 0

    def warm(self, step) -> None:
        self.warmed += 1
        step()

    def capture(self, step) -> None:
        if self.fail_capture is not None:
            raise RuntimeError(self.fail_capture)
        self.step = step

    def replay(self) -> None:
        self.step()


class _PinnedSums(training._Steps):
    """A real graph adds into the tensors it captured; a Python replay would follow a rebound name."""

    def __setattr__(self, name, value):
        if name in ("loss_sum", "correct") and name in self.__dict__ and value is not self.__dict__[name]:
            raise AssertionError(f"{name} rebound: a captured graph would keep adding into the old tensor")
        super().__setattr__(name, value)


def _train_small(graph=None, monkeypatch=None, net_cls=ChapterLeNet):
    images, labels = _subset(2000)  # 7 full batches of 256 and a partial one of 208
    protocol = training.Protocol(seed=5, epochs=2, batch_size=256, lr=0.9, cuda_graphs=graph is not None)
    if graph is not None:
        monkeypatch.setattr(training, "_graph_backend", lambda device: graph)
        monkeypatch.setattr(training, "_Steps", _PinnedSums)
    torch.manual_seed(protocol.seed)
    net = net_cls()
    hist = training.fit(net, images, labels, protocol)
    return hist, net.state_dict()


def test_graph_replay_takes_exactly_the_eager_steps(monkeypatch):
    """Warm-up, capture, replays with fresh indices and the eager partial batch add up to the
    eager loop, bit for bit: no batch skipped, repeated or trained on stale indices."""
    eager, eager_state = _train_small()
    graph = _PythonGraph()
    graphed, graphed_state = _train_small(graph, monkeypatch)
    assert graphed.graphed and not eager.graphed and graphed.note == ""
    assert graph.warmed == training.WARMUP_STEPS
    assert graphed.loss == eager.loss and graphed.train_accuracy == eager.train_accuracy
    assert all(torch.equal(graphed_state[k], eager_state[k]) for k in eager_state)


@pytest.mark.parametrize("message", ["operation not permitted when stream is capturing", ""])
def test_a_failed_capture_trains_eagerly_and_says_why(monkeypatch, message):
    eager, eager_state = _train_small()
    fallback, state = _train_small(_PythonGraph(fail_capture=message), monkeypatch)
    assert not fallback.graphed and "capture failed" in fallback.note and "trained eagerly" in fallback.note
    assert fallback.loss == eager.loss
    assert all(torch.equal(state[k], eager_state[k]) for k in eager_state)


def test_graphs_asked_for_on_the_cpu_change_nothing():
    """course.yaml's cuda_graphs is a GPU setting: on the CPU the loop stays eager and silent."""
    assert training._graph_backend(torch.device("cpu")) is None
    images, labels = _subset(1000)
    runs = []
    for graphs in (False, True):
        torch.manual_seed(2)
        runs.append(training.fit(ChapterLeNet(), images, labels,
                                 training.Protocol(seed=2, epochs=1, cuda_graphs=graphs)))
    assert runs[0].loss == runs[1].loss and not runs[1].graphed and runs[1].note == ""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graphs_match_the_eager_loop_on_a_gpu():
    """On a real GPU: same kernels, same order, so the curves agree to float rounding, and the
    net scores the same on held-out images."""
    images, labels = _subset(8192)
    runs = []
    for graphs in (False, True):
        protocol = training.Protocol(seed=1, epochs=3, batch_size=256, lr=0.9, cuda_graphs=graphs)
        torch.manual_seed(protocol.seed)
        net = ChapterLeNet()
        hist = training.fit(net, images, labels, protocol, "cuda")
        held_out = lenet.fashion_mnist(False, str(config.load().data_path()))
        runs.append((hist, training.accuracy(training.predict(net, held_out.images, "cuda"), held_out.labels)))
    (eager, eager_acc), (graphed, graphed_acc) = runs
    assert graphed.graphed and graphed.note == "", graphed.note
    assert graphed.loss == pytest.approx(eager.loss, rel=1e-3)
    assert abs(graphed_acc - eager_acc) < 0.01


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_forward_that_syncs_with_the_host_is_trained_eagerly_on_a_gpu():
    class Syncs(ChapterLeNet):
        def forward(self, x):
            out = super().forward(x)
            if out.abs().max().item() > 1e9:  # a host sync: cannot be captured
                raise AssertionError("unreachable")
            return out

    images, labels = _subset(2048)
    protocol = training.Protocol(seed=1, epochs=1, batch_size=256, cuda_graphs=True)
    torch.manual_seed(1)
    hist = training.fit(Syncs(), images, labels, protocol, "cuda")
    assert not hist.graphed and "capture failed" in hist.note
    assert len(hist.loss) == 1 and hist.train_accuracy[0] > 0.1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("graphs", [False, True], ids=["eager", "cuda-graphs"])
def test_on_a_gpu_the_sandboxed_child_trains_on_cuda(tmp_path, course, monkeypatch, caplog, graphs):
    """Issue 4's GPU promise, for real: inside bubblewrap, as an unprivileged uid, with the device
    nodes bound in and no address-space limit, the child trains on CUDA (no CPU fallback) with
    the course's full protocol, and the student passes."""
    from autograder.grading.submission import Submission

    if sandbox.mode() != "bwrap":
        pytest.skip("bubblewrap cannot start here: the sandbox would not be what is being tested")
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "bwrap")
    run = course.with_training(AID, **{"cuda_graphs": graphs})
    write_submission(tmp_path, run, AID)
    with Submission(tmp_path, run) as sub, caplog.at_level("WARNING"):
        trained = lenet.train_student(sub, AID, run)
    assert trained.device == "cuda" and "LeNet training" not in caplog.text, caplog.text
    assert trained.graphed is graphs
    assert len(trained.loss) == run.assignment(AID).training.epochs and trained.accuracy >= run.assignment(AID).training.threshold
    assert wait_for_no_leftovers([str(tmp_path)]) == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_lenet_past_its_gpu_share_is_told_so_on_a_gpu(tmp_path, course):
    """One student's runaway allocation meets torch's per-process cap in its own child, with a
    message in the student's terms, before any other student on the GPU runs short."""
    from autograder.grading.submission import Submission

    greedy = CONSTANT.replace("return self.out(torch.ones(X.shape[0], 1))",
                              f"torch.empty({int(1.5 * course.limits.gpu_memory_gib * 1024**3) // 4}, device=X.device)\n"
                              "        return self.out(torch.ones(X.shape[0], 1, device=X.device))")
    quick = _one_epoch(course)
    write_submission(tmp_path, quick, AID, {"LeNet": greedy})
    with Submission(tmp_path, quick) as sub, pytest.raises(Exception, match="GiB each student may use"):
        lenet.train_student(sub, AID, quick)


# ----------------------------------------------------------- the parent's judgement of trained weights
def _judged(course, trained: torch.nn.Module, answers_from: torch.nn.Module | None = None, names=None):
    """Run the parent's checks on weights a child would send back, without a sandbox."""
    proto = training.Protocol(seed=0, epochs=1)
    images = lenet.fashion_mnist(True, str(course.data_path())).images
    start = training.start(ChapterLeNet, proto, images)
    check = lenet.check_batch(lenet.fashion_mnist(True, str(course.data_path())), 0)
    speaker = answers_from or trained
    params = list(trained.named_parameters())
    report = {"params": [[n, p.detach().clone()] for n, p in params],
              "check": training.answers(speaker, check[0], check[1])}
    return lenet.trained_reference(report, ChapterLeNet, start, check, "training LeNet()"), start


def _trained_from(start: torch.nn.Module, steps: int = 30) -> torch.nn.Module:
    net = ChapterLeNet()
    net.load_state_dict(start.state_dict())
    images, labels = _subset(steps * 64)
    training.fit(net, images, labels, training.Protocol(seed=0, epochs=1, batch_size=64), initialise=False)
    return net


def test_weights_trained_from_the_graders_start_are_accepted(course):
    proto = training.Protocol(seed=0, epochs=1)
    start = training.start(ChapterLeNet, proto, _subset(2)[0])
    net, _ = _judged(course, _trained_from(start))
    assert isinstance(net, ChapterLeNet)


def test_weights_from_another_start_are_refused(course):
    """Carried or pre-trained weights: a LeNet trained the same way from its own start."""
    other = training.start(ChapterLeNet, training.Protocol(seed=99, epochs=1), _subset(2)[0])
    with pytest.raises(AssertionError, match="not a training run"):
        _judged(course, _trained_from(other))


def test_a_net_that_answers_otherwise_with_the_same_weights_is_refused(course):
    proto = training.Protocol(seed=0, epochs=1)
    start = training.start(ChapterLeNet, proto, _subset(2)[0])
    honest = _trained_from(start)
    relu = ChapterLeNet()
    relu.load_state_dict(honest.state_dict())
    for i, layer in enumerate(relu):
        if isinstance(layer, torch.nn.Sigmoid):
            relu[i] = torch.nn.ReLU()
    with pytest.raises(AssertionError, match="in training mode, the net's output"):
        _judged(course, honest, answers_from=relu)


def test_parameters_of_other_shapes_are_refused(course):
    with pytest.raises(AssertionError, match="are not the reference network's"):
        _judged(course, torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)))
