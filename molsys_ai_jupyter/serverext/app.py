"""The sidebar's server extension as a ``jupyter_server`` ``ExtensionApp``: its routes
are declared by ``handlers``, every setting is a trait (``c.MolsysAIExtension.llm_url = …``
in ``jupyter_server_config.py``, or ``--MolsysAIExtension.llm_url=…``; unset ones come
from the environment, the TOML file and the defaults), the service is made once per
server, and stopping the server ends the model's thread."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from ..config import SETTINGS_FIELDS, settings_traits
from .handlers import NAMESPACE, handlers
from .service import SETTINGS_KEY, Service


class _Extension(ExtensionApp):
    name = "molsys_ai"
    load_other_extensions = True

    def initialize_settings(self) -> None:
        overrides = {name: getattr(self, name) for name in SETTINGS_FIELDS if getattr(self, name) is not None}
        self.settings[SETTINGS_KEY] = Service(self.serverapp.root_dir, overrides=overrides)

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())
        self.log.info("MolSys-AI sidebar API at %s%s/", self.serverapp.base_url, NAMESPACE)

    async def stop_extension(self) -> None:
        service = self.settings.get(SETTINGS_KEY)
        if service is not None:
            service.close()


# the configurable class: the extension with one trait per setting
MolsysAIExtension = type("MolsysAIExtension", (_Extension,), {"__doc__": __doc__, **settings_traits()})
