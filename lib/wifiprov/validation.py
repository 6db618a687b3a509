# The config rules, whole (docs/config.md): a provisioning message checked
# against the active config in two phases, each a job of its own, so that
# never two of their modules are in RAM at once: the document's structure
# (wifiprov.config), with the app's settings when given (wifiprov.appfields),
# then the fields (wifiprov.rules: countrycode, then the chosen mode's
# section, then the other). Every transport's apply
# (wifiprov.provision), the boot's check of the stored file (wifiprov.store)
# and tools/deploy.py run the rules through here.
from .core import job


def validate(msg, current, stored=False):
    """The complete new config for msg against current, which is never
    modified. The first failing rule raises ConfigError, whose text names
    the field and the rule. `stored`: msg is the file on flash (its app
    settings need not be declared: wifiprov.appfields.check)."""
    new = job("config", "structure", msg, current)
    app = current.get("app")
    if "app" in msg:  # (structure found msg an object)
        app = job("appfields", "check", msg["app"], app or {}, stored)
    if app:  # an empty section sets nothing, and the file gets none
        new["app"] = app
    job("rules", "check_fields", new)
    return new
