"""``molsys-ai mcp`` driven by the MCP SDK's own client, as an agent would: over stdio (the
server a real subprocess) and over Streamable HTTP (a real server on a free loopback port)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import anyio
import pytest

pytest.importorskip("mcp")

from mcp import Client, StdioServerParameters  # noqa: E402

from support.servers import free_port, stopped_at_the_end, wait_until_up  # noqa: E402

TOOLS = {"search_docs", "get_symbol", "check_code", "plan_task", "inspect_structure"}


def server_command(settings, root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "molsys_ai_jupyter.cli.main", "mcp", "--root", str(root), "--data",
            str(settings.data_root), "--corpus", str(settings.corpus), "--index-dir", str(settings.index_root),
            *extra]


def stdio(settings, root: Path) -> StdioServerParameters:
    command = server_command(settings, root)
    return StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))


def session(server, steps):
    """Run ``steps(client)`` in one client session; what it returns."""
    async def main():
        async with Client(server, mode="legacy") as client:
            return await steps(client)

    return anyio.run(main)


def structure_copy(settings, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(settings.structures / name, folder / name))


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def error_text(result) -> str:
    assert result.is_error, result.structured_content
    return result.content[0].text


# --- the package stays light --------------------------------------------------------------


class TestLazyStart:
    def test_building_the_server_imports_nothing_heavy(self, real_settings, tmp_path):
        code = ("import sys\nfrom molsys_ai_jupyter.cli.main import build_parser\n"
                "from molsys_ai_jupyter.mcp_server.paths import Roots\n"
                "from molsys_ai_jupyter.mcp_server.tools import Toolbox\n"
                "from molsys_ai_jupyter.mcp_server.server import build_server\n"
                "from molsys_ai_jupyter.config import load_settings\n"
                "build_parser(); build_server(Toolbox(load_settings(), Roots([sys.argv[1]])))\n"
                "print(sorted(m for m in ('torch', 'haystack', 'mdtraj', 'chromadb', 'onnxruntime', 'h5py')"
                " if m in sys.modules))")
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"

    def test_the_index_loads_in_the_background_and_a_missing_one_is_the_first_calls_error(self, real_settings,
                                                                                           tmp_path):
        from molsys_ai_jupyter.errors import MolsysAIError
        from molsys_ai_jupyter.mcp_server.paths import Roots
        from molsys_ai_jupyter.mcp_server.tools import Toolbox

        settings = real_settings.with_overrides(index_root=tmp_path / "no-index")
        toolbox = Toolbox(settings, Roots([str(tmp_path)]))
        warming = toolbox.warm_up_in_background()
        warming.join(timeout=300)
        assert not warming.is_alive()
        with pytest.raises(MolsysAIError) as raised:
            toolbox.search_docs("rmsd of a trajectory")
        assert "index build" in f"{raised.value} {getattr(raised.value, 'hint', '')}"

    def test_importing_the_package_does_not_import_the_sdk(self):
        done = subprocess.run([sys.executable, "-c", "import sys, molsys_ai_jupyter, molsys_ai_jupyter.mcp_server; "
                                                      "print('mcp' in sys.modules)"],
                              capture_output=True, text=True, timeout=60)
        assert done.stdout.strip() == "False", done.stderr


# --- what the server offers ------------------------------------------------------------------


class TestToolList:
    def test_tools_prompts_and_resources_with_their_schemas(self, real_settings, tmp_path):
        async def steps(client):
            return (await client.list_tools(), await client.list_prompts(), await client.list_resource_templates(),
                    await client.list_resources())

        tools, prompts, templates, resources = session(stdio(real_settings, tmp_path), steps)
        by_name = {tool.name: tool for tool in tools.tools}
        assert set(by_name) == TOOLS
        inputs = {name: (set(t.input_schema["properties"]), set(t.input_schema.get("required", [])))
                  for name, t in by_name.items()}
        assert inputs == {"search_docs": ({"query", "k", "project"}, {"query"}), "get_symbol": ({"name"}, {"name"}),
                          "check_code": ({"source"}, {"source"}), "plan_task": ({"request", "files"}, {"request"}),
                          "inspect_structure": ({"path", "topology"}, {"path"})}
        assert by_name["search_docs"].input_schema["properties"]["k"]["maximum"] == 20
        outputs = {name: set(t.output_schema["properties"]) for name, t in by_name.items()}
        assert {"passages", "api"} <= outputs["search_docs"]
        assert {"found", "signature", "parameters", "docstring", "url", "suggestions"} <= outputs["get_symbol"]
        assert {"api_issues", "policy_findings", "runs_without_consent"} <= outputs["check_code"]
        assert {"understood", "plan", "restatement", "code", "check"} <= outputs["plan_task"]
        assert {"atoms", "residues", "chains", "molecules", "frames", "box_nm", "time_step_ps"} <= outputs[
            "inspect_structure"]
        assert all(t.annotations.read_only_hint for t in tools.tools)
        assert {p.name for p in prompts.prompts} == {"answer_with_citations", "write_verified_molsysmt_code"}
        assert "https://www.uibcdf.org/{+path}" in {t.uri_template for t in templates.resource_templates}
        assert "molsys-docs://pages" in {str(r.uri) for r in resources.resources}

    def test_prompt_asks_for_citations(self, real_settings, tmp_path):
        async def steps(client):
            return await client.get_prompt("answer_with_citations", {"question": "How do I get the RMSD?"})

        prompt = session(stdio(real_settings, tmp_path), steps)
        text = prompt.messages[0].content.text
        assert "How do I get the RMSD?" in text and "search_docs" in text and "URL" in text


# --- the tools --------------------------------------------------------------------------------


@pytest.mark.slow
class TestSearchDocs:
    def test_rmsd_question_gives_cited_uibcdf_pages_and_they_read_as_resources(self, real_index, tmp_path):
        settings, _ = real_index

        async def steps(client):
            found = await client.call_tool("search_docs", {"query": "How do I compute the RMSD of a trajectory?",
                                                           "k": 3})
            page = await client.read_resource(found.structured_content["passages"][0]["url"])
            wrong = await client.call_tool("search_docs", {"query": "rmsd", "project": "no-such-project"})
            again = await client.call_tool("search_docs", {"query": "How do I select CA atoms?", "k": 1,
                                                           "project": "molsysmt"})
            return found, page, wrong, again

        found, page, wrong, again = session(stdio(settings, tmp_path), steps)
        assert not found.is_error
        passages = found.structured_content["passages"]
        assert len(passages) == 3
        assert all(p["url"].startswith("https://www.uibcdf.org/") for p in passages)
        assert any("rmsd" in (p["url"] + p["title"]).lower() for p in passages)
        assert page.contents[0].text.startswith(f"# {passages[0]['title']}")
        assert "unknown project" in error_text(wrong) and "molsysmt" in error_text(wrong)
        assert not again.is_error and again.structured_content["passages"][0]["project"] == "molsysmt"


class TestGetSymbol:
    def test_real_signature_and_closest_names(self, real_settings, tmp_path):
        from molsys_ai_jupyter.knowledge.registry import load_registry

        real = load_registry(real_settings.corpus).resolve("molsysmt.structure.get_rmsd")

        async def steps(client):
            return (await client.call_tool("get_symbol", {"name": "msm.structure.get_rmsd"}),
                    await client.call_tool("get_symbol", {"name": "molsysmt.structure.align"}))

        known, unknown = session(stdio(real_settings, tmp_path), steps)
        info = known.structured_content
        assert info["found"] and info["name"] == "molsysmt.structure.get_rmsd"
        assert info["signature"] == real.signature and info["parameters"] == list(real.params)
        assert info["url"] == real.doc_url and info["url"].startswith("https://www.uibcdf.org/")
        assert unknown.structured_content["found"] is False
        assert "molsysmt.structure.least_rmsd_align" in unknown.structured_content["suggestions"]


class TestCheckCode:
    def test_flags_invented_api_and_what_needs_consent(self, real_settings, tmp_path):
        bad = "import molsysmt as msm\nmsm.structure.align(system, reference_molecular_system=ref)\n"
        shell = "import os\nos.system('rm -rf data')\n"
        clean = "import numpy as np\nanswer = np.arange(3).sum()\n"

        async def steps(client):
            return [await client.call_tool("check_code", {"source": s}) for s in (bad, shell, clean)]

        bad_r, shell_r, clean_r = (r.structured_content for r in session(stdio(real_settings, tmp_path), steps))
        issue = next(i for i in bad_r["api_issues"] if i["name"] == "molsysmt.structure.align")
        assert issue["kind"] == "unknown_symbol" and issue["line"] == 2
        assert "molsysmt.structure.least_rmsd_align" in issue["suggestions"]
        assert not bad_r["ok"] and not bad_r["api_ok"]
        assert shell_r["api_ok"] and not shell_r["runs_without_consent"]
        assert any(f["line"] == 2 and "os" in f["detail"] for f in shell_r["policy_findings"])
        assert clean_r["ok"] and clean_r["runs_without_consent"] and clean_r["api_issues"] == []


class TestPlanTask:
    def test_plan_restatement_and_checked_code_and_nothing_runs(self, real_settings, tmp_path):
        root = tmp_path / "work"
        structure_copy(real_settings, root, "1vii.pdb")
        before = listing(root)

        async def steps(client):
            return (await client.call_tool("plan_task", {"request": "What is the radius of gyration of the CA atoms "
                                                                    "of 1vii.pdb?"}),
                    await client.call_tool("plan_task", {"request": "save the trajectory of 1vii.pdb as out.pdb"}),
                    await client.call_tool("plan_task", {"request": "bake a cake for my grandmother"}))

        plan, save, nonsense = session(stdio(real_settings, root), steps)
        result = plan.structured_content
        assert result["understood"] and "1vii.pdb" in result["restatement"]
        assert "radius of gyration" in result["restatement"]
        assert "md.load('1vii.pdb')" in result["code"] and "answer" in result["code"]
        assert result["plan"]["steps"][0] == {"op": "load", "file": "1vii.pdb"}
        assert result["check"]["api_ok"]
        assert not save.is_error  # a plan that would write a file: rendered, never run
        assert listing(root) == before  # nothing was written, nothing ran
        assert not nonsense.is_error
        assert nonsense.structured_content["understood"] is False and nonsense.structured_content["code"] == ""
        assert "did not understand" in nonsense.structured_content["message"]

    def test_files_outside_the_root_are_refused(self, real_settings, tmp_path):
        outside = structure_copy(real_settings, tmp_path / "outside", "1vii.pdb")
        root = tmp_path / "work"
        root.mkdir()

        async def steps(client):
            return await client.call_tool("plan_task", {"request": "radius of gyration of 1vii.pdb",
                                                        "files": [str(outside)]})

        assert "outside the folders" in error_text(session(stdio(real_settings, root), steps))


class TestInspectStructure:
    def test_atom_count_and_refusals_outside_the_root(self, real_settings, tmp_path):
        root = tmp_path / "work"
        pdb = structure_copy(real_settings, root, "1tcd.pdb")
        expected_atoms = sum(1 for line in pdb.read_text().splitlines() if line.startswith(("ATOM  ", "HETATM")))
        secret = tmp_path / "outside" / "secret.pdb"
        shutil.copytree(root, secret.parent)
        (secret.parent / "1tcd.pdb").rename(secret)
        (root / "link.pdb").symlink_to(secret)

        async def steps(client):
            inside = await client.call_tool("inspect_structure", {"path": "1tcd.pdb"})
            refused = [await client.call_tool("inspect_structure", {"path": p})
                       for p in (str(secret), "../outside/secret.pdb", "link.pdb")]
            return inside, refused

        inside, refused = session(stdio(real_settings, root), steps)
        facts = inside.structured_content
        assert facts["atoms"] == expected_atoms
        assert facts["frames"] == 1 and facts["format"] == "pdb" and facts["chains"] >= 2
        assert facts["box_nm"] is not None and facts["time_step_ps"] is None
        for result in refused:
            assert "outside the folders" in error_text(result)
            assert result.structured_content is None

    def test_trajectory_takes_its_companion_topology(self, real_settings, tmp_path):
        structure_copy(real_settings, tmp_path, "md_1u19.pdb")
        structure_copy(real_settings, tmp_path, "md_1u19.xtc")

        async def steps(client):
            return await client.call_tool("inspect_structure", {"path": "md_1u19.xtc"})

        facts = session(stdio(real_settings, tmp_path), steps).structured_content
        import mdtraj as md

        traj = md.load(str(tmp_path / "md_1u19.xtc"), top=str(tmp_path / "md_1u19.pdb"))
        assert facts["atoms"] == traj.n_atoms and facts["frames"] == traj.n_frames
        assert facts["time_step_ps"] == pytest.approx(float(traj.timestep))


class TestMalformedArguments:
    def test_bad_arguments_are_tool_errors_and_the_server_goes_on(self, real_settings, tmp_path):
        calls = [("search_docs", {"query": "rmsd", "k": "many"}), ("search_docs", {"query": "rmsd", "k": 0}),
                 ("search_docs", {"query": "   "}), ("get_symbol", {}), ("get_symbol", {"name": ["a"]}),
                 ("check_code", {"source": "x" * 200_001}), ("plan_task", {"request": 7}),
                 ("plan_task", {"request": "rg of 1vii.pdb", "files": "1vii.pdb"}),
                 ("inspect_structure", {"path": 123}), ("inspect_structure", {"path": "missing.pdb"}),
                 ("inspect_structure", {"path": "a\x00b"}), ("no_such_tool", {})]

        async def steps(client):
            results = [await client.call_tool(name, args) for name, args in calls]
            return results, await client.call_tool("get_symbol", {"name": "molsysmt.select"})

        results, after = session(stdio(real_settings, tmp_path), steps)
        for (name, _), result in zip(calls, results, strict=True):
            assert result.is_error, name
            assert result.content[0].text.strip(), name
        assert "no such file" in results[9].content[0].text and "—" in results[9].content[0].text  # message — hint
        assert not after.is_error and after.structured_content["found"]


# --- Streamable HTTP ------------------------------------------------------------------------


@pytest.fixture
def http_server(real_settings, tmp_path):
    """``molsys-ai mcp --http`` on a free loopback port with a bearer token: (url, token, root)."""
    root = tmp_path / "work"
    structure_copy(real_settings, root, "1tcd.pdb")
    port, token = free_port(), "s3cret-token"
    proc = subprocess.Popen(server_command(real_settings, root, "--http", f"127.0.0.1:{port}", "--token", token),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/mcp"

    def probe():
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError:  # any HTTP answer: it is up
            return

    with stopped_at_the_end(proc):
        wait_until_up(proc, probe, "molsys-ai mcp --http", 60)
        yield url, token, root


def http_client(url: str, token: str) -> Client:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=60)), mode="legacy")


class TestHttpTransport:
    def test_tools_over_http_with_the_token(self, http_server):
        url, token, root = http_server

        async def main():
            async with http_client(url, token) as client:
                tools = await client.list_tools()
                facts = await client.call_tool("inspect_structure", {"path": "1tcd.pdb"})
                bad = await client.call_tool("inspect_structure", {"path": "/etc/passwd"})
                return tools, facts, bad

        tools, facts, bad = anyio.run(main)
        assert {t.name for t in tools.tools} == TOOLS
        assert facts.structured_content["atoms"] == sum(
            1 for line in (root / "1tcd.pdb").read_text().splitlines() if line.startswith(("ATOM  ", "HETATM")))
        assert "outside the folders" in error_text(bad)

    def test_a_wrong_or_missing_token_gets_401(self, http_server):
        url, token, _ = http_server
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}).encode()
        for headers in ({"Authorization": "Bearer wrong"}, {}, {"Authorization": token}):
            request = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers})
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=10)
            assert caught.value.code == 401

        async def main():
            async with http_client(url, "wrong"):
                pass

        with pytest.raises(Exception):  # noqa: B017 - the SDK client cannot even initialize
            anyio.run(main)


class TestCommandLine:
    def test_non_loopback_http_needs_a_token(self, real_settings, tmp_path):
        env = {k: v for k, v in os.environ.items() if k != "MOLSYS_AI_MCP_TOKEN"}
        done = subprocess.run(server_command(real_settings, tmp_path, "--http", f"0.0.0.0:{free_port()}"),
                              capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 2 and "without a bearer token" in done.stderr

    def test_bad_address_and_missing_root_are_one_line_errors(self, real_settings, tmp_path):
        for extra, said in ((["--http", "nowhere"], "HOST:PORT"), ([], "root folder not found")):
            root = tmp_path / ("missing" if not extra else "")
            done = subprocess.run(server_command(real_settings, root, *extra), capture_output=True, text=True,
                                  timeout=60, stdin=subprocess.DEVNULL)
            assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


class TestRoots:
    def test_links_and_dots_are_resolved_before_the_check(self, tmp_path):
        from molsys_ai_jupyter.mcp_server.paths import PathOutsideRoots, Roots

        (tmp_path / "root" / "sub").mkdir(parents=True)
        (tmp_path / "root" / "sub" / "a.pdb").write_text("ATOM\n")
        (tmp_path / "other.pdb").write_text("ATOM\n")
        (tmp_path / "root" / "escape").symlink_to(tmp_path)
        roots = Roots([tmp_path / "root"])
        assert roots.file("sub/../sub/a.pdb") == (tmp_path / "root" / "sub" / "a.pdb").resolve()
        for path in ("../other.pdb", "escape/other.pdb", str(tmp_path / "other.pdb"), "sub/../../other.pdb"):
            with pytest.raises(PathOutsideRoots):
                roots.resolve(path)


@pytest.mark.slow
class TestBench:
    def test_bench_mcp_reports_start_and_search_times(self, real_index):
        settings, _ = real_index
        done = subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", "bench", "mcp", "--runs", "2",
                               "--data", str(settings.data_root), "--index-dir", str(settings.index_root)],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads(done.stdout)
        assert result["runs"] == 2
        assert result["initialize_ms"]["min"] <= result["initialize_ms"]["median"] <= result["initialize_ms"]["max"]
        assert result["first_search_ms"] > 0 and result["warm_search_ms"] > 0 and result["index_load_ms"] > 0
        assert result["first_search_within_index_load"] == (result["first_search_ms"] <= result["index_load_ms"])
        assert result["top_url"].startswith("https://www.uibcdf.org/")
