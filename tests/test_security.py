"""Security: no spec, JSON file or cache folder can run code, hang or exhaust memory.

Each attack of issue 12 is replayed as a user (or a colleague sharing files) would
mount it.  Where the attack would run code, its payload creates a marker file, and the
test fails if the marker appears; resource bombs must be refused with exit code 2 and one
line naming the file, the key and the limit (a bomb that slipped through would run for
minutes and hit the runner's timeout instead).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rgsym import cache
from rgsym.betasystem import BetaSystem, ExpressionFormatError
from rgsym.expression import ExpressionError, read_expression, read_postfix, read_srepr
from rgsym.regulators import MAX_SHAPE_TERMS
from rgsym.spec import FIELD_ORDER_LIMITS, MAX_FIELDS, load_spec, parse_spec
from rgsym.symbols import alpha, y
from tests.conftest import DERIVATIONS, ROOT

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """The file every payload tries to create."""
    return tmp_path / "MARKER"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(folder))
    monkeypatch.delenv(cache.CACHE_VARIABLE, raising=False)
    monkeypatch.delenv(cache.NO_CACHE_VARIABLE, raising=False)
    return folder


def rgsym(*args: str, stdin: str = "", cwd: Path | None = None,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m rgsym.cli ARGS`` with ``stdin`` on its standard input (a payload may read it)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "rgsym.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd or ROOT, env=environment, timeout=600)


def write_spec(folder: Path, body: str) -> Path:
    path = folder / "spec.toml"
    path.write_text("[theory]\nd = 3\nN = 1\n[truncation]\norder = 2\n" + textwrap.dedent(body),
                    encoding="utf-8")
    return path


def assert_refused(done: subprocess.CompletedProcess[str], path: Path | str, key: str) -> str:
    """Exit 2, one line on stderr naming the file and the key, no traceback."""
    line = done.stderr.rstrip("\n")
    assert done.returncode == 2, done.stderr
    assert line and "\n" not in line and "Traceback" not in line, done.stderr
    assert str(path) in line and key in line, line
    return line


# --- spec text ---------------------------------------------------------------------------------

#: [bare] attacks: (constants as a TOML inline table, potential).  The first ran
#: ``exec(input())`` through sympy's parser before this reader existed.
BARE_ATTACKS = [
    ('{"ｅｘｅｃ" = 1, "ｉｎｐｕｔ" = 2}', "ｅｘｅｃ(ｉｎｐｕｔ()) + rho"),
    ('{"ｐｒｉｎｔ" = 1}', "ｐｒｉｎｔ(rho) + rho"),
    ('{"__import__" = 1}', "__import__ + rho"),
    ('{"if" = 1, "else" = 2}', "rho if rho else 1"),
    ("{lam = 1}", "exp(*[rho]) + lam"),
    ("{lam = 1}", "(lambda: 1)() + rho"),
    ("{lam = 1}", "rho.__class__ + lam"),
    ("{lam = 1}", "ｅｘｅｃ(ｉｎｐｕｔ()) + lam*rho"),
]


@pytest.mark.parametrize(("constants", "potential"), BARE_ATTACKS)
def test_bare_attacks_through_the_file(tmp_path: Path, marker: Path, constants: str, potential: str) -> None:
    spec = write_spec(tmp_path, f'[bare]\npotential = {json.dumps(potential, ensure_ascii=False)}\n'
                                f"constants = {constants}\n")
    done = rgsym("derive", str(spec), "--no-cache", stdin=f"open({str(marker)!r}, 'w')\n")
    assert_refused(done, spec, "bare.")
    assert not marker.exists()


@pytest.mark.parametrize(("constants", "potential"), BARE_ATTACKS)
def test_bare_attacks_through_set(tmp_path: Path, marker: Path, constants: str, potential: str) -> None:
    spec = write_spec(tmp_path, '[bare]\npotential = "rho"\n')
    done = rgsym("derive", str(spec), "--no-cache", "--set", f"bare.constants={constants}",
                 "--set", f"bare.potential={json.dumps(potential, ensure_ascii=False)}",
                 stdin=f"open({str(marker)!r}, 'w')\n")
    assert_refused(done, spec, "bare.")
    assert not marker.exists()


@pytest.mark.parametrize("name", ["ｐｒｉｎｔ", "ｅｘｅｃ", "__import__", "if", "lambda", "match", "exp",
                                  "pi", "rho", "φ", "1a", "a-b"])
def test_constant_names_are_plain_identifiers(tmp_path: Path, name: str) -> None:
    spec = write_spec(tmp_path, f'[bare]\npotential = "rho"\nconstants = {{{json.dumps(name)} = 1}}\n')
    done = rgsym("derive", str(spec), "--no-cache")
    assert "not a constant name" in assert_refused(done, spec, "bare.constants.")


@pytest.mark.parametrize(("key", "text"), [
    ("regulator.shape", "__import__('os').system('touch MARKER')"),
    ("regulator.shape", "ｅｘｅｃ(ｉｎｐｕｔ())*y"),
    ("regulator.shape", "exp(*[y])"),
    ("regulator.shape", "y.__class__"),
    ("regulator.shape", "((((sqrt(3)*10**20)**63)**63)**63)**63*y"),  # a number of 10**9 bits
    ("regulator.shape", "((y*10**60)**64)**64"),
    ("theory.d", "ｅｘｅｃ(ｉｎｐｕｔ())"),
    ("theory.d", "[d][0]"),
])
def test_expression_attacks(tmp_path: Path, marker: Path, key: str, text: str) -> None:
    spec = write_spec(tmp_path, "[regulator]\nkind = \"custom\"\nshape = \"exp(-y)\"\n")
    payload = f"open({str(marker)!r}, 'w')\n"
    done = rgsym("derive", str(spec), "--no-cache", "--set", f"{key}={json.dumps(text, ensure_ascii=False)}",
                 stdin=payload, cwd=marker.parent)
    assert_refused(done, spec, key)
    assert not marker.exists()


# --- resource bombs in specs -----------------------------------------------------------------


def test_shape_bomb_is_refused_before_the_work(tmp_path: Path) -> None:
    """(1+y)**64*(2+y)**64*(3+y)**64 kept the order-2 derivation busy for minutes."""
    spec = write_spec(tmp_path, '[regulator]\nkind = "custom"\nshape = "(1+y)**64*(2+y)**64*(3+y)**64"\n')
    line = assert_refused(rgsym("derive", str(spec), "--no-cache"), spec, "regulator.shape")
    assert str(MAX_SHAPE_TERMS) in line


def test_dimension_bomb_is_refused(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "")
    done = rgsym("derive", str(spec), "--no-cache", "--set", 'theory.d="(4-epsilon)**64*(3-epsilon)**64"')
    assert "terms" in assert_refused(done, spec, "theory.d")


@pytest.mark.parametrize(("count", "order", "limit"), [(8, 4, "at most 2"), (9, 1, f"at most {MAX_FIELDS}"),
                                                     (3, 6, "at most 4")])
def test_too_many_fields_are_refused(tmp_path: Path, count: int, order: int, limit: str) -> None:
    """8 fields at order 4, and 3 fields at order 6, ran for more than two minutes."""
    spec = tmp_path / "spec.toml"
    names = ", ".join(f'"f{i}"' for i in range(count))
    spec.write_text(f'[theory]\nd = 3\nfields = [{names}]\n[truncation]\norder = {order}\n'
                    'expand_around = "zero"\n', encoding="utf-8")
    line = assert_refused(rgsym("derive", str(spec), "--no-cache"), spec, "theory.fields")
    assert limit in line


def test_the_field_limit_admits_what_finishes() -> None:
    """Every count up to MAX_FIELDS is admitted at its limit (and the shipped two-field spec)."""
    for count, order in FIELD_ORDER_LIMITS.items():
        names = [f"f{i}" for i in range(count)]
        spec = parse_spec({"theory": {"d": 3, "fields": names},
                           "truncation": {"order": order, "expand_around": "zero"}})
        assert len(spec.theory.blocks) == count
    assert len(load_spec(DERIVATIONS / "two_scalar_lpa.toml").theory.blocks) == 2


# --- JSON systems ------------------------------------------------------------------------------


def order2_dict() -> dict[str, object]:
    from rgsym.pipeline import derive_flow

    system = derive_flow(load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=2"]))
    assert isinstance(system, BetaSystem)
    return json.loads(system.to_json())  # type: ignore[no-any-return]


@pytest.mark.parametrize("text", [
    "Tuple(\"__import__('os').system('touch {marker}')\")",
    "Symbol('x', **{{'commutative': True}})",
    "Integer(__import__('os').system('touch {marker}'))",
    "Function(\"__import__('os').system('touch {marker}')\")(Symbol('x'))",
    "Add(*[Symbol('x')])",
    "Symbol('x').func",
    "sympify(\"__import__('os').system('touch {marker}')\")",
    "Lambda(Symbol('x'), Symbol('x'))(Integer(1))",
])
def test_json_cannot_run_code(marker: Path, text: str) -> None:
    data = order2_dict()
    data["betas"] = [text.format(marker=marker)] * len(data["betas"])  # type: ignore[arg-type]
    with pytest.raises(ExpressionFormatError):
        BetaSystem.from_dict(data)
    assert not marker.exists()


@pytest.mark.parametrize("text", [
    "Pow(Integer(10), Integer(10000000000))",
    "factorial(Integer(100000000))",
    "Float('1e100000000000')",
    "Float('1.0', precision=100000000000)",
    "gamma(Integer(100000000))",
    "Pow(Pow(Integer(10), Integer(1000)), Integer(1000))",
    "Integer(" + "9" * 5000 + ")",
    "Derivative(Function('u')(Symbol('x')), Tuple(Symbol('x'), Integer(10000000000)))",
    "Add(" * 300 + "Integer(1)" + ")" * 300,
])
def test_json_bombs_are_refused(text: str) -> None:
    data = order2_dict()
    data["betas"] = [text] * len(data["betas"])  # type: ignore[arg-type]
    with pytest.raises(ExpressionFormatError) as info:
        BetaSystem.from_dict(data)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("field", "value"), [
    ("name", 'x"""; open({marker!r}, "w"); """'),
    ("spec_source", "a\nb"),
    ("latex", "\\input{{/etc/passwd}}"),
    ("coupling", "x); open({marker!r}, 'w'"),
    ("threshold", "T_1; import os"),
])
def test_json_text_that_reaches_generated_code_is_checked(marker: Path, field: str, value: str) -> None:
    """Names and descriptions end up in generated C and NumPy (which the numpy backend runs)."""
    data = order2_dict()
    text = value.format(marker=str(marker))
    couplings = data["couplings"]
    assert isinstance(couplings, list)
    if field == "latex":
        couplings[0]["latex"] = text
    elif field == "coupling":
        couplings[0]["name"] = text
    elif field == "threshold":
        data["thresholds"] = [[text, "ThresholdIntegral(Lambda(Symbol('y'), Symbol('y')), Integer(3), "
                                     "Integer(0), Tuple(Integer(1)), Symbol('w'))"]]
    else:
        data[field] = text
    with pytest.raises(ExpressionFormatError):
        BetaSystem.from_dict(data)
    assert not marker.exists()


def test_json_with_a_wrong_shape_is_a_format_error() -> None:
    data = order2_dict()
    del data["couplings"]
    with pytest.raises(ExpressionFormatError, match="not a BetaSystem"):
        BetaSystem.from_dict(data)


# --- the cache ---------------------------------------------------------------------------------


def planted_pickle(marker: Path) -> bytes:
    """A pickle that creates ``marker`` when it is loaded."""
    import pickle

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    return pickle.dumps(Payload())


def test_planted_pickles_are_never_loaded(cache_dir: Path, marker: Path) -> None:
    spec = load_spec(DERIVATIONS / "ising_lpa_zero.toml", ["truncation.order=1"])
    entry = cache.entry_path("derive", spec.digest)
    cache_dir.mkdir()
    bomb = planted_pickle(marker)
    entry.write_bytes(bomb)  # the entry this spec reads
    entry.chmod(0o600)
    (cache_dir / f"derive-{'a' * 40}.pickle").write_bytes(bomb)  # an entry of the old format
    (cache_dir / "anything.pickle").write_bytes(bomb)
    info = rgsym("cache", "info")
    assert info.returncode == 0, info.stderr
    assert "unreadable" in info.stdout
    done = rgsym("derive", str(DERIVATIONS / "ising_lpa_zero.toml"), "--set", "truncation.order=1")
    assert done.returncode == 0 and "beta_" in done.stdout, done.stderr
    assert not marker.exists()
    assert cache.load("derive", spec.digest) is not None  # rewritten as JSON


def test_fifo_and_folders_named_like_entries_are_skipped(cache_dir: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    spec = load_spec(DERIVATIONS / "ising_lpa_zero.toml", ["truncation.order=1"])
    cache_dir.mkdir()
    os.mkfifo(cache.entry_path("derive", spec.digest))  # a blocking open would wait forever
    (cache_dir / f"test-{'b' * 40}.json").mkdir()
    (cache_dir / "c").mkdir()
    os.mkfifo(cache_dir / "c" / f"{'c' * 64}.so")
    info = rgsym("cache", "info")
    assert info.returncode == 0 and "0 entries" in info.stdout, info.stderr
    assert info.stderr.count("not a regular file") == 3, info.stderr
    done = rgsym("derive", str(DERIVATIONS / "ising_lpa_zero.toml"), "--set", "truncation.order=1")
    assert done.returncode == 0 and "beta_" in done.stdout, done.stderr
    assert "a FIFO" in done.stderr


def test_entries_others_may_write_are_not_read(cache_dir: Path) -> None:
    digest = "4" * 64
    cache.store("test", digest, [1, 2, 3])
    path = cache.entry_path("test", digest)
    assert cache.load("test", digest) == [1, 2, 3]
    path.chmod(0o666)
    assert cache.load("test", digest) is None
    if hasattr(os, "getuid") and os.getuid() == 0:  # root may give the file away
        path.chmod(0o600)
        os.chown(path, 65534, -1)
        assert cache.load("test", digest) is None


# --- compiled libraries ----------------------------------------------------------------------

EVIL_C = textwrap.dedent("""
    #include <stdio.h>
    __attribute__((constructor)) static void plant(void) {{
        FILE *f = fopen("{marker}", "w");
        if (f) fclose(f);
    }}
""")


def order2_system() -> BetaSystem:
    from rgsym.pipeline import derive_flow

    system = derive_flow(load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=2"]))
    assert isinstance(system, BetaSystem)
    return system


def evil_library(folder: Path, marker: Path) -> bytes:
    source = folder / "evil.c"
    source.write_text(EVIL_C.format(marker=marker))
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(folder / "evil.so"), str(source)], check=True)
    return (folder / "evil.so").read_bytes()


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_planted_library_is_not_loaded(cache_dir: Path, marker: Path, tmp_path: Path) -> None:
    import hashlib

    from rgsym.emit.backends import CLibrary

    system = order2_system()
    real = CLibrary.load(system)
    assert real.size == len(system)
    (built,) = (cache_dir / "c").glob("*.so")
    key = built.name.split("-")[0]
    evil = evil_library(tmp_path, marker)
    built.unlink()
    planted = cache_dir / "c" / f"{key}-{hashlib.sha256(evil).hexdigest()}.so"
    planted.write_bytes(evil)
    planted.chmod(0o777)  # a colleague's file in a shared cache: writable by others
    CLibrary.load(system)
    assert not marker.exists()
    planted.chmod(0o755)
    (cache_dir / "c").chmod(0o777)  # a folder others may write: nothing in it is trusted
    CLibrary.load(system)
    assert not marker.exists()


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_truncated_library_is_rebuilt(cache_dir: Path) -> None:
    spec = str(DERIVATIONS / "on_lpa.toml")
    args = ("exponents", spec, "--set", "truncation.order=2", "--backend", "c")
    first = rgsym(*args)
    assert first.returncode == 0, first.stderr
    (library,) = (cache_dir / "c").glob("*.so")
    library.write_bytes(library.read_bytes()[:1000])
    again = rgsym(*args)
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    (rebuilt,) = (cache_dir / "c").glob("*.so")
    assert rebuilt.stat().st_size > 1000


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
@pytest.mark.parametrize("case", ["read-only folder", "uncreatable folder", "cache is a file", "--no-cache"])
def test_backend_c_runs_with_an_unusable_cache(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "cache"
    extra: tuple[str, ...] = ()
    if case == "read-only folder":  # root may write it anyway: then the next case is the real test
        folder.mkdir(mode=0o500)
    elif case == "uncreatable folder":
        if not Path("/proc/self").is_dir():
            pytest.skip("needs /proc, where no one may create a folder")
        folder = Path("/proc/rgsym-cache-test")
    elif case == "cache is a file":
        folder.write_text("not a folder")
    else:
        extra = ("--no-cache",)
    done = rgsym("exponents", str(DERIVATIONS / "on_lpa.toml"), "--set", "truncation.order=2",
                 "--backend", "c", *extra, env={"RGSYM_CACHE_DIR": str(folder)})
    assert done.returncode == 0, done.stderr
    assert "nu" in done.stdout
    if case == "--no-cache":
        assert not folder.exists()


# --- properties of the readers -----------------------------------------------------------------

ALPHABET = st.sampled_from(list("y alpha exp(*)**^+-/.,[]{}'\"_0123456789e:lambda if ") +
                           ["ｅｘｅｃ", "__import__", "\x00", "\n", "φ", "1e999", "**64", "10**"])


@SETTINGS
@given(text=st.one_of(st.text(max_size=60), st.lists(ALPHABET, max_size=30).map("".join)))
def test_reading_spec_text_raises_only_its_own_error(text: str) -> None:
    try:
        read_expression(text, {"y": y, "alpha": alpha}, ("exp", "sqrt", "pi"))
    except ExpressionError as exc:
        assert "\n" not in str(exc)


SREPR = st.sampled_from(["Integer(", "Symbol(", "'x'", "Add(", "Mul(", "Pow(", ")", ", ", "Float('1.5'",
                         "Rational(", "1", "-", "Tuple(", "Function('f')(", "Lambda(", "gamma(",
                         "precision=53", "real=True", "__import__", "\"", "*", "**", "factorial("])


@SETTINGS
@given(text=st.one_of(st.text(max_size=60), st.lists(SREPR, max_size=25).map("".join)))
@example(text="gamma()")  # found by hypothesis: constructors called with the wrong arguments
@example(text="Lambda()")
def test_reading_srepr_raises_only_its_own_error(text: str) -> None:
    try:
        read_srepr(text)
    except ExpressionError as exc:
        assert "\n" not in str(exc)


TOKENS = st.one_of(st.integers(min_value=-10**6, max_value=10**6), st.sampled_from(
    ["+:2", "*:3", "^", "f:gamma", "f:log", "f:eval", "s:x", "c:Pi", "c:Nope", "q:1/0", "q:3/4", "r:nan",
     "r:1e400", "r:0.5", "+:0", "*:999", "@0", "@1", "@-1", "@x", "@99999999999"]), st.none(), st.booleans(),
    st.floats())


@SETTINGS
@given(tokens=st.one_of(st.lists(TOKENS, max_size=20), st.text(max_size=10)))
def test_reading_postfix_raises_only_its_own_error(tokens: object) -> None:
    try:
        read_postfix(tokens)
    except ExpressionError as exc:
        assert "\n" not in str(exc)
