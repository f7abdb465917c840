"""The data of the execution policy (:mod:`.policy` is the checker that reads it): the modules,
built-ins and methods known to be safe, the names never safe, the calls that read or write files,
and the plain words for each kind of finding. Changing what the policy allows is changing this file."""

from __future__ import annotations

import ast
import re

# this package's own readers that generated cells may import (the package itself is not an analysis library)
SAFE_OWN_MODULES = frozenset({"molsys_ai_jupyter.h5msm", "molsys_ai_jupyter.simulation"})
SAFE_MODULES = frozenset({
    "mdtraj", "numpy", "scipy", "pandas", "molsysmt", "pyunitwizard", "molsysviewer", "topomt",
    "openmm", "simtk", "pdbfixer", "nglview", "matplotlib", "math", "cmath", "statistics", "itertools",
    "collections", "re", "json", "textwrap", "random", "decimal", "fractions", "datetime", "copy", "pprint",
    "warnings", "time",
})
SAFE_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "format", "frozenset",
    "int", "isinstance", "len", "list", "map", "max", "min", "pow", "print", "range", "repr", "reversed",
    "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip", "complex", "hex", "oct", "bin", "chr",
    "ord", "True", "False", "None", "Exception", "ValueError", "KeyError", "IndexError", "TypeError",
    "ZeroDivisionError", "RuntimeError", "ArithmeticError", "LookupError", "AssertionError", "StopIteration",
    "NotImplementedError", "OSError", "IOError", "FileNotFoundError", "UnicodeDecodeError", "AttributeError",
    "NameError", "OverflowError", "Warning", "UserWarning", "RuntimeWarning",
    "open",  # open: checked as a file access below
})
# modules and members that are never safe, wherever they appear in an import or attribute chain
# (an analysis library's own module may expose `os` as an attribute: mdtraj.core.trajectory.os)
DENIED_NAMES = frozenset({
    "os", "sys", "subprocess", "shutil", "socket", "ctypes", "ctypeslib", "pickle", "cPickle", "dill",
    "marshal", "shelve", "importlib", "runpy", "builtins", "asyncio", "io", "pathlib", "tempfile", "glob",
    "signal", "threading", "multiprocessing", "concurrent", "atexit", "pty", "platform", "urllib", "urllib3",
    "requests", "http", "httpx", "ftplib", "smtplib", "telnetlib", "webbrowser", "codeop", "inspect",
    "gc", "weakref", "types", "f2py", "distutils", "setuptools", "site", "sysconfig", "zipimport", "joblib",
    "system", "popen", "spawn", "exec", "eval", "execfile", "query", "read_pickle", "to_pickle",
    "load_library", "loadPluginsFromDirectory", "loadPluginLibrary", "enter_temp_directory", "chdir", "utils",
    "DataSource", "urlopen", "urlretrieve", "show_pdbid", "show_url", "download", "fetch", "get_ipython",
    "run_cell", "run_line_magic", "run_cell_magic", "getoutput", "environ", "putenv", "setattr", "delattr",
    "testing", "lib", "get_type_hints", "get_field", "vformat", "HDFStore", "ExcelWriter",
})
# parts of a name that mark it unsafe wherever they appear (pandas.compat.pickle_compat, show_rcsb …)
DENIED_PARTS = re.compile(r"pickle|marshal|shelve|ctypes|subprocess|socket|popen|urlopen|urlretrieve", re.I)
NETWORK_PARTS = re.compile(r"pdbid|pdb_id|rcsb|alphafold|uniprot|download|fetch|_url$|^url", re.I)
# calls that change a library's settings for the whole session
GLOBAL_SETTERS = frozenset({"set_option", "set_options", "seterr", "seterrcall", "set_printoptions", "simplefilter",
                            "filterwarnings", "resetwarnings", "use", "rc", "set_loglevel", "setLevel",
                            "basicConfig", "register_cmap", "set_default_device"})
# built-in types whose unbound methods would change whatever they are given (list.append(traj, 4))
BUILTIN_TYPES = frozenset({"list", "dict", "set", "frozenset", "tuple", "str", "bytes", "bytearray", "object",
                           "type", "int", "float"})
DENIED_STATEMENTS = {
    ast.Global: "declares a global", ast.Nonlocal: "declares a nonlocal", ast.ClassDef: "defines a class",
    ast.AsyncFunctionDef: "defines an async function", ast.AsyncFor: "runs an async loop",
    ast.AsyncWith: "uses an async context", ast.Await: "awaits", ast.Yield: "yields", ast.YieldFrom: "yields",
}
# calls that read a file named by their first argument (or a keyword below)
READERS = re.compile(r"^(load(?!s$)\w*|read\w*|open|genfromtxt|fromfile|loadtxt|convert|PDBFile|PDBxFile|PDBFixer|"
                     r"ForceField|GromacsGroFile|GromacsTopFile|AmberPrmtopFile|AmberInpcrdFile|CharmmPsfFile|"
                     r"show_file|show_structure_file|iterload|memmap)$")
# methods that only read the object they are called on (others, on the user's variables, need consent)
PURE_METHODS = frozenset({
    "select", "atom_slice", "slice", "copy", "mean", "sum", "min", "max", "std", "var", "argmin", "argmax",
    "tolist", "astype", "reshape", "flatten", "ravel", "item", "count", "index", "keys", "values", "items",
    "get", "join", "split", "strip", "lower", "upper", "startswith", "endswith", "format", "replace", "any",
    "all", "round", "cumsum", "nonzero", "transpose", "to_dataframe", "residue", "atom", "chain", "describe",
    "head", "tail", "groupby", "unique", "isin", "where", "dot", "norm", "subset", "to_openmm",
})
# functions that change an argument in place
IN_PLACE = frozenset({"shuffle", "copyto", "put", "place", "putmask", "fill_diagonal", "clear", "update",
                      "superpose", "center_coordinates", "image_molecules", "make_molecules_whole"})
PATH_KEYWORDS = ("file", "filename", "fname", "path", "filepath", "path_or_buf", "top", "topology", "to_form",
                 "output_file", "frame_file")
NETWORK_KEYWORDS = {"url", "pdbid", "pdb_id", "pdbcode"}
URL = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*://|www\.|ftp\.|(pdb|mmtf|pdbid|pdb_id|mmtf_id|alphafold|uniprot)"
                  r"(_id)?:)", re.I)  # molsysmt downloads 'pdb_id:1TCD'
INSTALL = re.compile(r"\b(pip|conda|mamba)\b\W+install\b")
FILE_MODE = re.compile(r"^[rwaxbt+]{1,3}$")
FORM_NAME = re.compile(r"^(molsysmt|mdtraj|openmm|pdbfixer|nglview|pytraj|parmed|string|file):?[\w.:]*$|^\w+$")
READ_MODE = re.compile(r"^r[bt]?$")

# well-known dangerous calls, named for a plainer reason (everything outside the safe subset
# needs consent anyway): dotted name (after import aliases) or "*.method" -> kind
NAMED_DANGERS = {
    "os.system": "shell", "os.popen": "shell", "os.exec*": "shell", "os.spawn*": "shell", "subprocess.*": "shell",
    "pty.spawn": "shell", "os.posix_spawn*": "shell", "os.remove": "delete", "os.unlink": "delete",
    "os.rmdir": "delete", "os.removedirs": "delete", "os.rename": "delete", "os.replace": "delete",
    "shutil.rmtree": "delete", "shutil.move": "delete", "*.unlink": "delete", "*.rmdir": "delete",
    "*.rmtree": "delete", "os.chdir": "chdir", "os.fchdir": "chdir", "importlib.*": "dynamic",
    "runpy.*": "dynamic", "pickle.load*": "dynamic", "marshal.load*": "dynamic", "timeit.*": "dynamic",
    "ctypes.*": "introspection", "socket.*": "network", "urllib.*": "network", "requests.*": "network",
    "http.*": "network", "httpx.*": "network",
}

# what IPython itself puts in the user's namespace: not the user's variables
IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})

KIND_LABELS = {
    "shell": "runs a shell command",
    "delete": "deletes, moves or renames files",
    "chdir": "changes the working folder",
    "install": "installs packages",
    "ipython": "uses IPython's shell or its magics",
    "dynamic": "runs code built at run time",
    "introspection": "reaches into internals (dunder, private, getattr, globals…)",
    "module": "uses a module outside the analysis libraries",
    "network": "uses the network",
    "path": "names a file through a computed path or mode",
    "write_outside": "writes a file outside the working folder",
    "read_outside": "reads a file outside the working folder",
    "overwrite_file": "overwrites an existing file",
    "overwrite_variable": "replaces, changes or deletes one of your variables",
    "global_state": "changes a library's settings for the whole session",
    "statement": "uses a statement outside the safe subset",
    "unknown": "uses a name that is not known to be safe",
    "syntax": "is not valid Python",
}

# what the approval panel's consent button names, by kind of finding
KIND_NOUNS = {
    "shell": "a shell command",
    "install": "installing packages",
    "delete": "deleting files",
    "chdir": "changing the folder",
    "ipython": "IPython magics",
    "network": "network access",
    "dynamic": "dynamic code",
    "introspection": "reaching into internals",
    "module": "other modules",
    "path": "computed paths",
    "write_outside": "writing outside the folder",
    "read_outside": "reading outside the folder",
    "overwrite_file": "overwriting files",
    "overwrite_variable": "replacing your variables",
    "global_state": "session-wide settings",
    "statement": "other statements",
    "unknown": "names not known to be safe",
}
