"""The Python buildpack's messages on detection, installs and hooks, word for word (they are
part of its contract: the buildpack's own specs compare them). Each function returns the lines
of one block. Those about the Python version are in version_messages."""

from __future__ import annotations

UV_PITCH = ["If you aren't sure which package manager to use, we recommend",
            "trying uv, since it supports lockfiles, is extremely fast, and",
            "is actively maintained by a full-time team:",
            "https://docs.astral.sh/uv/"]
CHECK_FILE = ["1. Is in the top level directory (not a subdirectory).",
              "2. Has the correct spelling (the filenames are case-sensitive).",
              "3. Isn't listed in '.gitignore' or '.slugignore'.",
              "4. Has been added to the Git repository using 'git add --all'",
              "   and then committed using 'git commit'."]


# -- detection and checks ------------------------------------------------------------------------
def not_detected(listing: list[str]) -> list[str]:
    return ["Error: Your app is configured to use the Python buildpack,",
            "but we couldn't find any supported Python project files.", ""] + _package_manager_files(listing)


def _package_manager_files(listing: list[str]) -> list[str]:
    return ["A Python app on Heroku must have either a 'requirements.txt',",
            "'Pipfile.lock', 'poetry.lock' or 'uv.lock' package manager file",
            "in the root directory of its source code.", "",
            "Currently the root directory of your app contains:", "", *listing, "",
            "If your app already has a package manager file, check that it:", "", *CHECK_FILE, "",
            "Otherwise, add a package manager file to your app. If your app has",
            "no dependencies, then create an empty 'requirements.txt' file.", "", *UV_PITCH, "",
            "For help with using Python on Heroku, see:",
            "https://devcenter.heroku.com/articles/getting-started-with-python",
            "https://devcenter.heroku.com/articles/python-support"]


def no_package_manager(listing: list[str]) -> list[str]:
    return ["Error: Couldn't find any supported Python package manager files.", ""] + _package_manager_files(listing)


def existing_python_dir(listing: list[str]) -> list[str]:
    return ["Error: Existing '.heroku/python/' directory found.", "",
            "Your app's source code contains an existing directory named",
            "'.heroku/python/', which is where the Python buildpack needs",
            "to install its files. This existing directory contains:", "", *listing, "",
            "Writing to internal locations used by the Python buildpack",
            "isn't supported and can cause unexpected errors.", "",
            "If you have committed a '.heroku/python/' directory to your",
            "Git repo, you must delete it or use a different location.", "",
            "Otherwise, check that an earlier buildpack or 'bin/pre_compile'",
            "hook hasn't created this directory.", "",
            "Note: This error replaces the deprecation warning which was",
            "displayed in build logs starting 13th December 2024."]


def existing_venv_dir(name: str, listing: list[str]) -> list[str]:
    return [f"Error: Existing '{name}/' directory found.", "",
            "Your app's source code contains an existing directory named",
            f"'{name}/', which looks like a Python virtual environment:", "", *listing, "",
            "Including a virtual environment directory in your app source",
            "isn't supported since the files within it are specific to a",
            "single machine and so won't work when run somewhere else.", "",
            f"If you've committed a '{name}/' directory to your Git repo, you",
            "must delete it and add the directory to your .gitignore file.", "",
            "To do this:",
            f"1. Run 'git rm --cached -r {name}/' to remove the directory",
            "   from the Git index.",
            "2. Create a '.gitignore' file in the root of your repository",
            "   if it doesn't already exist.",
            f"3. Add the '{name}/' directory to the .gitignore file as a",
            "   new entry on its own line (don't include the quotes).",
            "4. Stage the change using 'git add .gitignore' and then",
            "   'git commit' all changes.", "",
            "For more information, see:",
            "https://docs.github.com/en/get-started/git-basics/ignoring-files", "",
            "If the directory was created by a 'bin/pre_compile' hook or",
            "an earlier buildpack, you must instead update them to create",
            "the virtual environment in a different location.", "",
            "Note: This error replaces the previous warning which had been",
            "displayed in build logs since 2nd September 2025."]


def pipfile_without_lock() -> list[str]:
    return ["Error: No 'Pipfile.lock' found!", "",
            "A 'Pipfile' file was found, however, the associated 'Pipfile.lock'",
            "Pipenv lockfile wasn't. This means your app dependency versions",
            "aren't pinned, which means the package versions used on Heroku",
            "might not match those installed in other environments.", "",
            "Using Pipenv in this way is unsafe and no longer supported.", "",
            "Run 'pipenv lock' locally to generate the lockfile, and make sure",
            "that 'Pipfile.lock' isn't listed in '.gitignore' or '.slugignore'.", "",
            "Alternatively, if you wish to switch to another package manager,",
            "delete your 'Pipfile' and then add either a 'requirements.txt',",
            "'poetry.lock' or 'uv.lock' file.", "", *UV_PITCH]


def setup_py_only() -> list[str]:
    return ["Error: Implicit setup.py file support has been sunset.", "",
            "Your app currently only has a setup.py file and no Python",
            "package manager files. This means that the buildpack can't",
            "tell which package manager you want to use, and whether to",
            "install your project in editable mode or not.", "",
            "Previously the buildpack guessed and used pip to install your",
            "dependencies in editable mode. However, this fallback was",
            "deprecated in September 2025 and has now been sunset.", "",
            "You must now add an explicit package manager file to your app,",
            "such as a requirements.txt, poetry.lock or uv.lock file.", "",
            "To continue using your setup.py file with pip in editable",
            "mode, create a new file in the root directory of your app",
            "named 'requirements.txt' containing the requirement",
            "'--editable .' (without quotes).", "",
            "Alternatively, if you wish to switch to another package",
            "manager, we recommend uv, since it supports lockfiles, is",
            "faster, and is actively maintained by a full-time team:",
            "https://docs.astral.sh/uv/"]


def multiple_package_managers(found: list[str]) -> list[str]:
    return ["Error: Multiple Python package manager files were found.", "",
            "Exactly one package manager file should be present in your app's",
            "source code, however, several were found:", "", *found, "",
            "Previously, the buildpack guessed which package manager to use",
            "and installed your dependencies with the first package manager",
            "listed above. However, this implicit behaviour was deprecated",
            "in November 2024 and is now no longer supported.", "",
            "You must decide which package manager you want to use with your",
            "app, and then delete the file(s) and any config from the others.", "", *UV_PITCH, "",
            "Note: If you use a third-party uv or Poetry buildpack, you must",
            "remove it from your app, since it's no longer required and the",
            "requirements.txt file it generates will trigger this error. See:",
            "https://devcenter.heroku.com/articles/managing-buildpacks#remove-classic-buildpacks"]


# -- installs, hooks, collectstatic -----------------------------------------------------------------
def tool_install_failed(tool: str) -> list[str]:
    return [f"Error: Unable to install {tool}.", "",
            "In some cases, this happens due to a temporary issue with",
            "the network connection or Python Package Index (PyPI).", "",
            "Try building again to see if the error resolves itself.", "",
            "If that doesn't help, check the status of PyPI here:", "https://status.python.org"]


def install_failed(tool: str) -> list[str]:
    return [f"Error: Unable to install dependencies using {tool}.", "",
            "See the log output above for more information."]


def hook_failed(path: str) -> list[str]:
    return [f"Error: Failed to run the {path} script.", "",
            f"We found a '{path}' script in your app source, so ran",
            "it to allow for customisation of the build process.", "",
            "However, this script exited with a non-zero exit status.", "",
            "Fix any errors output by your script above, or remove/rename",
            "the script to prevent it from being run during the build."]


def build_data_missing(path: str) -> list[str]:
    """lib/build_data.sh, when a hook (or collectstatic) removed the build cache it lives in."""
    return ["Error: Can't find the buildpack's build data file.", "",
            "The Python buildpack's internal build data file is missing:", path, "",
            "This file is required for the buildpack to work correctly,",
            "and so you must not delete it when removing files from the",
            "build cache or /tmp directories."]


def collectstatic_failed(manage_py: str) -> list[str]:
    return ["Error: Unable to generate Django static files.", "",
            f"The 'python {manage_py} collectstatic --noinput' Django",
            "management command to generate static files failed.", "",
            "See the traceback above for details.", "",
            "You may need to update application code to resolve this error.",
            "Or, you can disable collectstatic for this application:", "",
            "   $ heroku config:set DISABLE_COLLECTSTATIC=1", "",
            "https://devcenter.heroku.com/articles/django-assets"]


def collectstatic_disabled_file() -> list[str]:
    return ["Warning: The .heroku/collectstatic_disabled file is deprecated.", "",
            "Please remove the file and set the env var DISABLE_COLLECTSTATIC=1 instead."]


def uv_notice() -> list[str]:
    return ["Note: We recently added support for the package manager uv:",
            "https://devcenter.heroku.com/changelog-items/3238", "",
            "It's now our recommended Python package manager, since it",
            "supports lockfiles, is faster, gives more helpful error",
            "messages, and is actively maintained by a full-time team.", "",
            "If you haven't tried it yet, we suggest you take a look!",
            "https://docs.astral.sh/uv/"]
