"""The execution policy: dangerous operations are found, ordinary analysis code is not."""

from __future__ import annotations

import pytest

from molsys_ai_jupyter.agent.policy import check_policy


@pytest.mark.parametrize(
    "code, kind",
    [
        ("import os\nos.system('ls')", "shell"),
        ("import subprocess as sp\nsp.run(['ls'])", "shell"),
        ("import subprocess\nsubprocess.check_call(['pip', 'install', 'x'])", "install"),
        ("!ls -la", "shell"),
        ("%pip install mdtraj", "install"),
        ("get_ipython().system('rm -rf /')", "shell"),
        ("import shutil\nshutil.rmtree('data')", "delete"),
        ("from pathlib import Path\nPath('a.pdb').unlink()", "delete"),
        ("import os\nos.remove('a.pdb')", "delete"),
        ("import requests\nrequests.get('http://x')", "network"),
        ("from urllib.request import urlopen\nurlopen('http://x')", "network"),
        ("eval('1+1')", "dynamic"),
        ("exec(code)", "dynamic"),
        ("import importlib\nimportlib.import_module('os')", "dynamic"),
        ("open('/etc/passwd', 'w').write('x')", "write_outside"),
        ("open('../elsewhere.txt', mode='a')", "write_outside"),
        ("traj.save_pdb('/tmp/out.pdb')", "write_outside"),
        ("traj.save_pdb(path)", "write_outside"),
        ("t = 1", "overwrite_variable"),
        ("for t in range(3): pass", "overwrite_variable"),
        ("del t", "overwrite_variable"),
        ("def f(:\n  pass", "syntax"),
    ],
)
def test_dangerous_operations_need_consent(code, kind, tmp_path):
    findings = check_policy(code, user_names={"t"}, workdir=tmp_path)
    assert kind in [f.kind for f in findings], findings
    assert all(f.line >= 0 for f in findings)


@pytest.mark.parametrize(
    "code",
    [
        "import mdtraj as md\nt2 = md.load('1vii.pdb')\nanswer = int(t2.n_residues)",
        "import numpy as np\nd = np.linalg.norm([1, 2, 3])",
        "open('1vii.pdb').read()",
        "open('results/out.csv', 'w').write('x')",
        "traj.save_pdb('dry.pdb')",
        "import molsysmt as msm\nms = msm.convert('1vii.pdb')",
        "x = [i for i in range(3)]",
    ],
)
def test_ordinary_code_is_allowed(code, tmp_path):
    assert check_policy(code, user_names={"t"}, workdir=tmp_path) == []
