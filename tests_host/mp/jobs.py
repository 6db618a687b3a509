# For the tests_host/mp scripts (imported from their folder, which
# MicroPython puts first on sys.path): the jobs the code under test runs.


def observe(core):
    """wifiprov.core.job observed, not replaced: the list returned gets the
    module of each job, in the order they ran (the caller empties it)."""
    ran = []
    job = core.job

    def observed(module, name, *args):
        ran.append(module)
        return job(module, name, *args)

    core.job = observed
    return ran
