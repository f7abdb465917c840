"""Spanish → English query expansion for the MolSysSuite vocabulary.

The docs are in English and the embedding model is English-only, while many
users (the UIBCDF lab is in Mexico) ask in Spanish. Queries are expanded with
the English terms of the general molecular-modelling and programming words
they contain; the original words are kept.
"""

from __future__ import annotations

import re
import unicodedata

# general vocabulary of the field, not tied to any one question
ES_EN = {
    "agua": "water", "aguas": "waters", "atomo": "atom", "atomos": "atoms", "caja": "box",
    "cadena": "chain", "cadenas": "chains", "residuo": "residue", "residuos": "residues",
    "molecula": "molecule", "moleculas": "molecules", "proteina": "protein", "proteinas": "proteins",
    "sistema": "system", "sistemas": "systems", "estructura": "structure", "estructuras": "structures",
    "trayectoria": "trajectory", "trayectorias": "trajectories", "fotograma": "frame", "fotogramas": "frames",
    "modelo": "model", "modelos": "models", "archivo": "file", "archivos": "files", "fichero": "file",
    "formato": "format", "forma": "form", "unidad": "unit", "unidades": "units", "cantidad": "quantity",
    "cantidades": "quantities", "longitud": "length", "masa": "mass", "carga": "charge", "energia": "energy",
    "potencial": "potential", "distancia": "distance", "distancias": "distances", "angulo": "angle",
    "angulos": "angles", "enlace": "bond", "enlaces": "bonds", "hidrogeno": "hydrogen", "hidrogenos": "hydrogens",
    "ion": "ion", "iones": "ions", "ligando": "ligand", "secuencia": "sequence", "identidad": "identity",
    "vecinos": "neighbors", "contactos": "contacts", "superficie": "surface", "centro": "center",
    "geometrico": "geometric", "ejes": "axes", "principales": "principal", "periodica": "periodic",
    "periodicas": "periodic", "condiciones": "conditions", "frontera": "boundary", "contorno": "boundary",
    "solvatar": "solvate", "solvente": "solvent", "mutar": "mutate", "mutacion": "mutation",
    "peptido": "peptide", "construir": "build", "crear": "make create", "creo": "make create",
    "anadir": "add", "agregar": "add", "quitar": "remove", "eliminar": "remove", "borrar": "remove",
    "extraer": "extract", "seleccionar": "select", "seleccion": "selection", "convertir": "convert",
    "convierto": "convert", "cargar": "load", "cargo": "load", "leer": "read", "guardar": "save",
    "escribir": "write", "ver": "view", "mostrar": "show view", "visualizar": "view visualize",
    "contar": "count", "cuantos": "how many number", "cuantas": "how many number", "numero": "number",
    "calcular": "compute calculate", "obtener": "get", "instalar": "install", "instalo": "install",
    "instalacion": "installation", "citar": "cite citation", "cito": "cite citation", "articulo": "article paper",
    "tiene": "has", "tienen": "has", "alinear": "align", "ajustar": "fit", "trasladar": "translate",
    "mover": "move translate", "rotar": "rotate", "girar": "rotate", "diedro": "dihedral", "diedros": "dihedrals",
    "simulacion": "simulation", "simulaciones": "simulations", "fuerza": "force", "fuerzas": "forces",
    "minimizar": "minimize", "equilibrar": "equilibrate", "topologia": "topology", "coordenadas": "coordinates",
    "velocidades": "velocities", "tiempo": "time", "paso": "step", "ayuda": "help", "ejemplo": "example",
    "tutorial": "tutorial", "funcion": "function", "metodo": "method", "error": "error",
}
# how a question uses those verbs: "¿cómo selecciono…?", "calcula la RMSD", "¿cómo obtengo…?"
ES_EN.update({
    "selecciono": "select", "selecciona": "select", "construyo": "build", "construye": "build",
    "muto": "mutate", "muta": "mutate", "alineo": "align", "alinea": "align", "giro": "rotate", "gira": "rotate",
    "roto": "rotate", "rota": "rotate", "elimino": "remove", "elimina": "remove", "quito": "remove",
    "quita": "remove", "borro": "remove", "borra": "remove", "anado": "add", "anade": "add", "agrego": "add",
    "agrega": "add", "extraigo": "extract", "extrae": "extract", "calculo": "compute calculate",
    "calcula": "compute calculate", "obtengo": "get", "obtiene": "get", "obten": "get", "cuento": "count",
    "cuenta": "count", "muestro": "show view", "muestra": "show view", "visualizo": "view visualize",
    "visualiza": "view visualize", "guardo": "save", "guarda": "save", "escribo": "write", "escribe": "write",
    "leo": "read", "solvato": "solvate", "solvata": "solvate", "minimizo": "minimize", "minimiza": "minimize",
    "convierte": "convert", "instala": "install", "ajusto": "fit", "ajusta": "fit", "muevo": "move translate",
    "mueve": "move translate", "traslado": "translate", "traslada": "translate", "mido": "measure",
    "mide": "measure", "medir": "measure", "formas": "forms", "selecciones": "selections",
})

_WORD = re.compile(r"[a-záéíóúñü]+")


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()


def expand_query(query: str) -> str:
    """``query`` plus the English words for the Spanish terms it contains (if any)."""
    extra: list[str] = []
    for word in _WORD.findall(query.lower()):
        english = ES_EN.get(_fold(word))
        if english and english not in extra and english != word:
            extra.append(english)
    return f"{query} ({' '.join(extra)})" if extra else query
