"""Reading molsysmt's native h5msm files without molsysmt (molsys_ai_jupyter.h5msm)."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from molsys_ai_jupyter.h5msm import count_structures, load_h5msm, load_h5msm_topology

md = pytest.importorskip("mdtraj")
pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def structures(real_settings):
    return real_settings.structures


def _pdb(structures, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.load_pdb(str(structures / name), standard_names=False)  # atom names as the file writes them


class TestLoadH5msm:
    def test_an_nmr_ensemble_matches_its_pdb(self, structures):
        traj, pdb = load_h5msm(structures / "1l2y.h5msm"), _pdb(structures, "1l2y.pdb")
        assert (traj.n_frames, traj.n_atoms, traj.n_residues) == (38, 304, 20)
        assert [a.name for a in traj.topology.atoms] == [a.name for a in pdb.topology.atoms]
        assert [(r.name, r.resSeq) for r in traj.topology.residues] == [(r.name, r.resSeq) for r in pdb.topology.residues]
        assert [a.element.symbol for a in traj.topology.atoms] == [a.element.symbol for a in pdb.topology.atoms]
        assert np.allclose(traj.xyz, pdb.xyz, atol=1e-4)
        assert traj.topology.n_bonds == 310 and traj.unitcell_vectors is None
        assert count_structures(structures / "1l2y.h5msm") == 38

    def test_chains_and_box(self, structures):
        traj, pdb = load_h5msm(structures / "181l.h5msm"), _pdb(structures, "181l.pdb")
        assert traj.topology.n_chains == 6 and {c.chain_id for c in traj.topology.chains} == {"A"}
        assert traj.unitcell_volumes[0] == pytest.approx(pdb.unitcell_volumes[0], rel=1e-5)
        # the topology's count attributes of this file are all 0: the datasets are read, not the attributes
        assert load_h5msm_topology(structures / "barnase_barstar.h5msm").n_atoms == 3159

    def test_another_hdf5_file_is_refused_in_one_line(self, structures, tmp_path):
        fake = tmp_path / "traj.h5msm"
        shutil.copyfile(structures / "traj_pentalanine.h5", fake)  # MDTraj's HDF5, not molsysmt's
        with pytest.raises(ValueError, match="is not an h5msm file"):
            load_h5msm(fake)
