"""The sidebar's server extension as a ``jupyter_server`` ``ExtensionApp``: its routes
are declared by ``handlers``, the service is made once per server, and stopping the
server ends the model's thread."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from .handlers import NAMESPACE, handlers
from .service import SETTINGS_KEY, Service


class MolsysAIExtension(ExtensionApp):
    name = "molsys_ai"
    load_other_extensions = True

    def initialize_settings(self) -> None:
        self.settings[SETTINGS_KEY] = Service(self.serverapp.root_dir)

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())
        self.log.info("MolSys-AI sidebar API at %s%s/", self.serverapp.base_url, NAMESPACE)

    async def stop_extension(self) -> None:
        service = self.settings.get(SETTINGS_KEY)
        if service is not None:
            service.close()
