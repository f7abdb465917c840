"""The default-deny execution policy: code outside the safe subset needs consent, with a
plain reason; ordinary analysis code and every recipe's rendered code do not."""

from __future__ import annotations

import pytest

from molsys_ai_jupyter.agent.recipes import CATALOGUE
from molsys_ai_jupyter.policy import KIND_LABELS, check_policy, explain, ipython_source

USER = {"traj", "data", "t"}


class TestCheckPolicy:
    @pytest.mark.parametrize(
        "code, kind",
        [
            # shell, in every spelling IPython or Python offers
            ("import os\nos.system('ls')", "shell"),
            ("import subprocess as sp\nsp.run(['ls'])", "shell"),
            ("!ls -la", "shell"),
            ("x = !ls", "shell"),
            ("%%bash\nls", "shell"),
            ("%pip install mdtraj", "install"),
            ("get_ipython().system('rm -rf /')", "shell"),
            ("ip = get_ipython()\nip.system('ls')", "ipython"),
            ("get_ipython().run_cell_magic('bash', '', 'ls')", "shell"),
            ("rm -f 1vii.pdb", "ipython"),  # automagic: a one-line cell runs %rm
            # of this package, generated cells may import the h5msm reader and nothing else
            ("from molsys_ai_jupyter.config import load_settings", "module"),
            ("import molsys_ai_jupyter", "module"),
            ("from molsys_ai_jupyter.h5msm import load_h5msm\nload_h5msm('/etc/passwd')", "read_outside"),
            ("reset -f", "ipython"),
            ("run payload.py", "ipython"),
            ("%cd ..", "ipython"),
            ("x?", "ipython"),
            # deleting and moving
            ("import shutil\nshutil.rmtree('data')", "delete"),
            ("import os\nos.remove('a.pdb')", "delete"),
            # dynamic code and introspection
            ("eval('1+1')", "dynamic"),
            ("exec(code)", "dynamic"),
            ("import builtins\nbuiltins.exec('1')", "module"),
            ("vars(__builtins__)['eval']('1')", "introspection"),
            ("import os\ngetattr(os, 'system')('ls')", "introspection"),
            ("globals()['traj'] = 1", "introspection"),
            ("().__class__.__base__.__subclasses__()", "introspection"),
            ("import importlib\nimportlib.import_module('os')", "dynamic"),
            ("import pickle\npickle.loads(b'')", "dynamic"),
            ("import timeit\ntimeit.timeit('1')", "dynamic"),
            ("import runpy", "module"),
            ("import ctypes", "module"),
            ("import sys\nsys.modules['os'].remove('x')", "module"),
            ("import mdtraj as md\nmd.core.trajectory.os.system('ls')", "module"),
            ("from mdtraj.utils import enter_temp_directory", "module"),
            ("import numpy as np\nnp.load('a.npy', allow_pickle=True)", "dynamic"),
            ("import pandas as pd\npd.read_pickle('a.pkl')", "module"),
            # network
            ("import requests\nrequests.get('http://x')", "network"),
            ("import mdtraj as md\nmd.load('https://example.org/1vii.pdb')", "network"),
            ("import molsysmt as msm\nmsm.convert('pdb_id:1TCD')", "network"),
            ("from pdbfixer import PDBFixer\nPDBFixer(pdbid='1VII')", "network"),
            # files
            ("open('/etc/passwd', 'w').write('x')", "write_outside"),
            ("open('../elsewhere.txt', mode='a')", "write_outside"),
            ("import numpy as np\nnp.zeros(3).tofile('/tmp/x')", "write_outside"),
            ("import numpy as np\nnp.savetxt('../x.txt', [1])", "write_outside"),
            ("from pathlib import Path\nPath('x').write_text('x')", "module"),
            ("import io\nio.open('/tmp/x', 'w')", "module"),
            ("m = 'w'\nm = m + '+'\nopen('x.txt', m)", "path"),
            ("import mdtraj as md\nt2 = md.load('1vii.pdb')\nt2.save(name)", "path"),
            ("open('1vii.pdb', 'w')", "overwrite_file"),  # the task's own input
            ("import mdtraj as md\nmd.load('1vii.pdb').save('1vii.pdb')", "overwrite_file"),
            ("print(open('/etc/hostname').read())", "read_outside"),
            ("import os\nos.chdir('/tmp')", "chdir"),
            ("import numpy as np\nnp.arange(3).dump('/tmp/x.pkl')", "write_outside"),
            ("import mdtraj as md\nmd.formats.XYZTrajectoryFile('notes.txt', 'w', force_overwrite=True)",
             "overwrite_file"),
            ("import mdtraj as md\nmd.formats.XYZTrajectoryFile('../x.xyz', 'w')", "write_outside"),
            ("for name in ['1vii.pdb', '/etc/passwd']:\n    open(name).read()", "read_outside"),
            # the user's variables
            ("def record(key, store=data):\n    store[key] = 1", "overwrite_variable"),
            ("t = 1", "overwrite_variable"),
            ("for t in range(3): pass", "overwrite_variable"),
            ("del t", "overwrite_variable"),
            ("import numpy as traj", "overwrite_variable"),
            ("def traj():\n    pass", "overwrite_variable"),
            ("(traj := 3)", "overwrite_variable"),
            ("with open('1vii.pdb') as traj:\n    pass", "overwrite_variable"),
            ("traj.append(4)", "overwrite_variable"),
            ("data['a'] = 2", "overwrite_variable"),
            ("traj += [1]", "overwrite_variable"),
            ("import numpy as np\nnp.random.shuffle(traj)", "overwrite_variable"),
            ("try:\n    pass\nexcept Exception as data:\n    pass", "overwrite_variable"),
            # the rest of the language outside the safe subset
            ("import mdtraj as md\nmd.load = None", "introspection"),
            ("class A:\n    pass", "statement"),
            ("global x", "statement"),
            ("input('?')", "unknown"),
            ("def f(:\n  pass", "syntax"),
        ],
    )
    def test_code_outside_the_safe_subset_needs_consent(self, code, kind, tmp_path):
        (tmp_path / "1vii.pdb").write_text("ATOM")
        findings = check_policy(code, user_names=USER, workdir=tmp_path)
        assert kind in [f.kind for f in findings], findings
        assert all(f.kind in KIND_LABELS and f.detail and f.line >= 0 for f in findings)

    @pytest.mark.parametrize(
        "code",
        [
            "import mdtraj as md\nt2 = md.load('1vii.pdb')\nanswer = int(t2.n_residues)",
            "import numpy as np\nd = np.linalg.norm([1, 2, 3])",
            "open('1vii.pdb').read()",
            "open('results/out.csv', 'w').write('x')",
            "import mdtraj as md\nt2 = md.load('1vii.pdb')\nt2.save_pdb('dry.pdb')",
            "import molsysmt as msm\nms = msm.convert('1vii.pdb')\nmsm.convert(ms, to_form='out.pdb')",
            "x = [i for i in range(3)]",
            "name = '1vii.pdb'\nimport mdtraj as md\nanswer = md.load(name).n_atoms",
            "import json\nanswer = json.loads('[1]')",
            "import re\npattern = re.compile('CA')",
            "answer = len(traj) + traj[0] + data['a']",  # reading the user's variables is fine
            "x = [traj for traj in range(3)]",  # a comprehension's variable is its own
            "with open('out.txt', 'w') as handle:\n    handle.write('x')",
            "import mdtraj as md\nfor name in ['1vii.pdb', '1vii.pdb']:\n    answer = md.load_topology(name).n_chains",
            "try:\n    answer = 1\nexcept (OSError, FileNotFoundError) as err:\n    answer = str(err)",
            "import mdtraj as md\nimport numpy as np\nt2 = md.load('1vii.pdb')\n"
            "answer = float(np.mean(md.compute_rg(t2)))",
            "from molsys_ai_jupyter.h5msm import load_h5msm\nanswer = load_h5msm('1vii.pdb').n_atoms",
        ],
    )
    def test_ordinary_analysis_code_runs_without_asking(self, code, tmp_path):
        (tmp_path / "1vii.pdb").write_text("ATOM")
        assert check_policy(code, user_names=USER, workdir=tmp_path) == []

    def test_a_symlink_out_of_the_folder_is_outside(self, tmp_path):
        work, outside = tmp_path / "work", tmp_path / "outside"
        work.mkdir(), outside.mkdir()
        (work / "link").symlink_to(outside)
        assert [f.kind for f in check_policy("open('link/x.txt', 'w')", workdir=work)] == ["write_outside"]

    def test_reasons_are_plain_lines(self, tmp_path):
        lines = explain(check_policy("import os\nos.system('ls')", workdir=tmp_path))
        assert "line 2: runs a shell command — calls os.system()" in lines

    def test_the_kernels_own_transformation_is_used(self, tmp_path):
        """In a shell, IPython's own transformation decides: automagic off, `reset -f` is arithmetic."""
        from IPython.core.interactiveshell import InteractiveShell

        shell = InteractiveShell.instance()
        try:
            assert "run_line_magic('reset'" in ipython_source("reset -f", shell)
            assert [f.kind for f in check_policy("reset -f", workdir=tmp_path, shell=shell)] == ["ipython"]
            shell.automagic = False
            assert "run_line_magic" not in ipython_source("reset -f", shell)
        finally:
            InteractiveShell.clear_instance()


class TestRecipesPassThePolicy:
    @pytest.mark.parametrize("name", sorted(CATALOGUE))
    def test_every_rendering_runs_without_consent(self, name, tmp_path):
        recipe = CATALOGUE[name]
        (tmp_path / "1vii.pdb").write_text("ATOM")
        values = {p: ("1vii.pdb" if p == "file" else spec.default) for p, spec in recipe.all_params().items()}
        variants = [values]
        if "save_as" in values:
            variants.append({**values, "save_as": "new.pdb"})
        for engine in ["mdtraj"] + (["molsysmt"] if recipe.molsysmt else []):
            for variant in variants:
                code = recipe.render(variant, engine=engine)
                assert check_policy(code, user_names=set(), workdir=tmp_path) == [], code

    def test_saving_over_an_existing_file_asks(self, tmp_path):
        (tmp_path / "1vii.pdb").write_text("ATOM")
        code = CATALOGUE["strip"].render({"file": "1vii.pdb", "save_as": "1vii.pdb"})
        assert [f.kind for f in check_policy(code, workdir=tmp_path)] == ["overwrite_file"]


class TestAliasesOfTheUsersValues:
    @pytest.mark.parametrize("code", [
        "frames = traj\nframes.extend([1])",
        "frames = traj\nmore = frames\nmore[0] = 2",
        "for row in data.values():\n    row.clear()",
        "inner = data['a']\ninner.append(1)",
    ])
    def test_changing_the_users_value_through_another_name_asks(self, code, tmp_path):
        assert "overwrite_variable" in [f.kind for f in check_policy(code, user_names=USER, workdir=tmp_path)]

    @pytest.mark.parametrize("code", [
        "[traj][0].append(99)", "(traj or 0).reverse()", "list.append(traj, 4)", "pick = traj.append\npick(5)",
        "x = traj\nx += [7]", "for x in [traj, data]:\n    x.clear()", "[data][0]['z'] = 1",
        "frames = list(traj)\nframes.append(1)",  # a copy, but the checker does not know it: it asks
    ])
    def test_every_way_to_reach_the_users_value_counts(self, code, tmp_path):
        assert "overwrite_variable" in [f.kind for f in check_policy(code, user_names=USER, workdir=tmp_path)]

    def test_values_the_code_makes_are_its_own(self, tmp_path):
        code = "frames = [len(traj), 2]\nframes.append(3)\nanswer = frames"
        assert check_policy(code.replace("len(traj)", "1"), user_names=USER, workdir=tmp_path) == []


class TestTheCheckerItself:
    """Input the kernel accepts must give findings, never crash or stall the checker."""

    @pytest.mark.parametrize("code", [
        "x = " + "+".join(["1"] * 400),  # deeper than the checker's recursion
        "open('~nosuchuser_0/x.txt')",  # a home folder that does not exist
        "open('" + "b" * 300 + ".txt', 'w')",  # a name too long for the file system
        "open('x\\x00y.txt', 'w')",  # a NUL byte
    ])
    def test_odd_input_is_a_finding(self, code, tmp_path):
        assert check_policy(code, workdir=tmp_path)

    def test_a_long_chain_of_aliases_is_followed(self, tmp_path):
        lines = ["a1 = traj"] + [f"a{i + 1} = a{i}" for i in range(1, 2000)]
        code = "\n".join(reversed(lines)) + "\na2000.append(1)"
        assert "overwrite_variable" in [f.kind for f in check_policy(code, {"traj"}, tmp_path)]


class TestImportsOfWhatTheUserHasAlready:
    def test_importing_the_module_the_users_name_holds_replaces_nothing(self, tmp_path):
        import mdtraj
        import numpy

        values = {"md": mdtraj, "np": numpy, "traj": [1]}
        assert check_policy("import mdtraj as md\nfrom numpy import mean", values, tmp_path) == []
        assert check_policy("import numpy as md", values, tmp_path)  # another module: it replaces md
        assert check_policy("import mdtraj as md", set(values), tmp_path)  # names only: it may replace md


def test_every_kind_of_finding_has_its_words_and_its_consent_noun():
    from molsys_ai_jupyter.policy import KIND_NOUNS

    assert set(KIND_NOUNS) == set(KIND_LABELS) - {"syntax"}  # code that does not parse is never consented to
