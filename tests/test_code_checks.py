"""Is an answer's Python block sound enough to show with a Run button (assistant/code_checks.py)?
Cases from attacking the grounded answers: invented functions of real libraries, imports that
hide a second module, names read before they exist."""

import pytest

from molsys_ai_jupyter.assistant.code_checks import code_is_sound, known_module, undefined_names, unknown_library_names


class TestCodeChecks:
    @pytest.mark.parametrize("code", [
        "import numpy as np\nprint(np.water_count([1]))",
        "import numpy\nnumpy.linalg.super_solve([[1]])",
        "from os import magic_remove\nmagic_remove('x')",
        "import os, nonexistent_module_xyz",
        "x = 1; import nonexistent_module_xyz",
        "import numpy.magicmod",
        "def f(:\n    pass",
    ])
    def test_unsound_code_is_refused(self, code):
        assert not code_is_sound(code)

    @pytest.mark.parametrize("code", [
        "import numpy as np\nprint(np.linalg.norm([3, 4]))",
        "from os import path\nprint(path.join('a', 'b'))",
        "try:\n    import nonexistent_module_xyz\nexcept ImportError:\n    nonexistent_module_xyz = None",
        "import json\nprint(json.dumps({}))",
    ])
    def test_sound_code_is_kept(self, code):
        assert code_is_sound(code), code

    def test_invented_names_of_a_real_library_are_named(self):
        assert unknown_library_names("import numpy as np\nnp.water_count(1)\nnp.mean([1])") == ["numpy.water_count"]

    def test_known_module_needs_the_whole_dotted_path(self):
        assert known_module("numpy") and known_module("numpy.linalg")
        assert not known_module("numpy.magicmod") and not known_module("nonexistent_module_xyz")

    @pytest.mark.parametrize("code, missing", [
        ("import molsysmt as msm\nsystem = msm.remove(system)", {"system"}),  # read before it exists
        ("print(n)\nn = 1", {"n"}),
        ("molsysmt.contains(molecular_system)", {"molsysmt", "molecular_system"}),
        ("def f(a):\n    return a + y", {"y"}),
    ])
    def test_names_used_before_or_without_definition(self, code, missing):
        assert undefined_names(code) == missing

    @pytest.mark.parametrize("code", [
        "n = 1\nn = n + 1\nprint(n)",
        "for system in range(3):\n    print(system)",
        "values = [v * 2 for v in range(3)]",
        "def f():\n    return later\nlater = 1\nf()",  # a function body runs when called
        "try:\n    x = 1\nexcept Exception as error:\n    print(error)",
    ])
    def test_names_defined_in_time_are_fine(self, code):
        assert undefined_names(code) == set(), code
