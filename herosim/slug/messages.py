"""The Python buildpack's messages, word for word (they are part of its contract: the
buildpack's own specs compare them). Each function returns the lines of one block."""

from __future__ import annotations

from herosim.slug.buildpack import DEFAULT_MAJOR, NEWEST_MINOR, OLDEST_MINOR

UV_PITCH = ["If you aren't sure which package manager to use, we recommend",
            "trying uv, since it supports lockfiles, is extremely fast, and",
            "is actively maintained by a full-time team:",
            "https://docs.astral.sh/uv/"]
CHECK_FILE = ["1. Is in the top level directory (not a subdirectory).",
              "2. Has the correct spelling (the filenames are case-sensitive).",
              "3. Isn't listed in '.gitignore' or '.slugignore'.",
              "4. Has been added to the Git repository using 'git add --all'",
              "   and then committed using 'git commit'."]
BUILDPACKS_LINKS = ["https://devcenter.heroku.com/articles/managing-buildpacks#view-your-buildpacks",
                    "https://devcenter.heroku.com/articles/managing-buildpacks#classic-buildpacks-references"]
NO_PATCH = ["We strongly recommend that you don't specify the Python patch",
            "version number, since it will pin your app to an exact Python",
            "version and so stop your app from receiving security updates",
            "each time it builds."]


def version_file_instructions(origin: str, major: str) -> list[str]:
    head = (["Delete your runtime.txt file and create a new file in the", "root directory of your app named:"]
            if origin == "runtime.txt" else ["Create a new file in the root directory of your app named:"])
    return head + [".python-version", "",
                   "Make sure to include the '.' character at the start of the",
                   "filename. Don't add a file extension such as '.txt'.", "",
                   "In the new file, specify your app's major Python version number",
                   "only. Don't include quotes or a 'python-' prefix.", "",
                   f"For example, to request the latest version of Python {major},",
                   "update your .python-version file so it contains exactly:", major, ""] + NO_PATCH


def _update_file(major: str = DEFAULT_MAJOR) -> list[str]:
    return [f"For example, to request the latest version of Python {major},",
            "update your .python-version file so it contains exactly:", major]


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


# -- the Python version ----------------------------------------------------------------------------
def misspelled_version_file(name: str) -> list[str]:
    return ["Error: Your .python-version file is spelled incorrectly.", "",
            "Your app's .python-version file currently has the filename:", f"'{name}'", "",
            "However, the correct spelling is (without quotes):", "'.python-version'", "",
            "You must rename your file to the correct name."]


def invalid_runtime_txt() -> list[str]:
    return ["Error: Invalid Python version in runtime.txt.", "",
            "The Python version specified in your runtime.txt file isn't", "in the correct format.", "",
            "However, the runtime.txt file is deprecated since it has been",
            "replaced by the more widely supported .python-version file:",
            "https://devcenter.heroku.com/changelog-items/3141", "",
            "As such, we recommend that you switch to using .python-version",
            "instead of fixing your runtime.txt file.", "",
            *version_file_instructions("runtime.txt", DEFAULT_MAJOR)]


def invalid_version_file(version: str) -> list[str]:
    return ["Error: Invalid Python version in .python-version.", "",
            "The Python version specified in your .python-version file", "isn't in the correct format.", "",
            "The following version was found:", version, "",
            "However, the Python version must be specified as either:",
            f"1. The major version only, for example: {DEFAULT_MAJOR} (recommended)",
            f"2. An exact patch version, for example: {DEFAULT_MAJOR}.999", "",
            "Don't include quotes, a 'python-' prefix or wildcards. Any",
            "code comments must be on a separate line prefixed with '#'.", "",
            *_update_file(), "", *NO_PATCH]


def unsupported_encoding(encoding: str) -> list[str]:
    return ["Error: Unable to read .python-version.", "",
            "Your .python-version file couldn't be read because it's using",
            "an unsupported text encoding:", encoding, "",
            "Configure your editor to save files as UTF-8, without a BOM,",
            "then delete and recreate the file using the correct encoding.", "",
            "If that doesn't work, make sure you don't have a .gitattributes",
            "file that's overriding the text encoding.", "",
            "Note: On Windows, if you pipe or redirect output to a file",
            "it can result in the file being encoded in UTF-16 LE when",
            "using certain terminals and Windows settings. We recommend",
            "you create the file using a text editor instead."]


def no_version_in_file() -> list[str]:
    return ["Error: No Python version found in .python-version.", "",
            "No Python version was found in your .python-version file.", "",
            "Update the file so that it contains your app's major Python",
            "version number. Don't include quotes or a 'python-' prefix.", "",
            *_update_file(), "",
            "If the file already contains a version, check the line doesn't",
            "begin with a '#', otherwise it will be treated as a comment."]


def multiple_versions(versions: list[str]) -> list[str]:
    return ["Error: Multiple Python versions found in .python-version.", "",
            "Multiple versions were found in your .python-version file:", "", *versions, "",
            "Update the file so it contains only one Python version.", "", *_update_file()]


def pipfile_lock_unparsable(error: str) -> list[str]:
    return ["Error: Can't parse Pipfile.lock.", "",
            "A Pipfile.lock file was found, however, it couldn't be parsed:", error, "",
            "This is likely due to it not being valid JSON.", "",
            "Run 'pipenv lock' to regenerate/fix the lockfile."]


def pipfile_lock_invalid_version(version: str) -> list[str]:
    return ["Error: Invalid Python version in Pipfile.lock.", "",
            "The Python version specified in your Pipfile.lock file by the",
            "'python_version' or 'python_full_version' fields isn't valid.", "",
            "The following version was found:", version, "",
            "However, the Python version must be specified as either:",
            f"1. The major version only, for example: {DEFAULT_MAJOR} (recommended)",
            f"2. An exact patch version, for example: {DEFAULT_MAJOR}.999", "",
            "Wildcards aren't supported.", "",
            "Please update your Pipfile to use a valid Python version and",
            "then run 'pipenv lock' to regenerate Pipfile.lock.", "", *NO_PATCH, "",
            "For more information, see:",
            "https://pipenv.pypa.io/en/stable/specifiers.html#specifying-versions-of-python"]


def end_of_life(major_minor: str, origin: str, requested: str) -> list[str]:
    oldest = f"3.{OLDEST_MINOR}"
    if origin == "cached":
        return ["Error: The cached Python version has reached end-of-life.", "",
                "Your app doesn't specify a Python version, and so normally",
                f"would use the version cached from the last build ({requested}).", "",
                f"However, Python {major_minor} has reached its upstream end-of-life,",
                "and is therefore no longer receiving security updates:",
                "https://devguide.python.org/versions/#supported-versions", "",
                "As such, it's no longer supported by this buildpack:",
                "https://devcenter.heroku.com/articles/python-support#supported-python-versions", "",
                f"Please upgrade to at least Python {oldest} by configuring an", "explicit Python version for your app.",
                "", *version_file_instructions(origin, oldest)]
    return ["Error: The requested Python version has reached end-of-life.", "",
            f"Python {major_minor} has reached its upstream end-of-life, and is",
            "therefore no longer receiving security updates:",
            "https://devguide.python.org/versions/#supported-versions", "",
            "As such, it's no longer supported by this buildpack:",
            "https://devcenter.heroku.com/articles/python-support#supported-python-versions", "",
            f"Please upgrade to at least Python {oldest} by changing the", f"version in your {origin} file.", "",
            f"If possible, we recommend upgrading all the way to Python {DEFAULT_MAJOR},",
            "since it contains many performance and usability improvements."]


def unknown_major(major_minor: str, origin: str, requested: str) -> list[str]:
    newest = f"3.{NEWEST_MINOR}"
    if origin == "cached":
        return ["Error: The cached Python version isn't recognised.", "",
                "Your app doesn't specify a Python version, and so normally",
                f"would use the version cached from the last build ({requested}).", "",
                f"However, Python {major_minor} isn't recognised by this version", "of the buildpack.", "",
                "This can occur if you have downgraded the version of the", "buildpack to an older version.", "",
                "Please switch back to a newer version of this buildpack:", *BUILDPACKS_LINKS, "",
                "Alternatively, request an older Python version by creating",
                "a .python-version file in the root directory of your app,", "that contains a Python version like:",
                newest]
    return ["Error: The requested Python version isn't recognised.", "",
            f"The requested Python version {major_minor} isn't recognised.", "",
            "Check that this Python version has been officially released,",
            "and that the Python buildpack has added support for it:",
            "https://devguide.python.org/versions/#supported-versions",
            "https://devcenter.heroku.com/articles/python-support#supported-python-versions", "",
            "If it has, make sure that you are using the latest version",
            "of this buildpack, and haven't pinned to an older release:", *BUILDPACKS_LINKS, "",
            f"Otherwise, switch to a supported version (such as Python {newest})",
            f"by changing the version in your {origin} file."]


ROOT_DIRECTORY = ["1. Make sure you are in the root directory of your app", "   and not a subdirectory."]


def uv_without_version_file(major: str) -> list[str]:
    return ["Error: No Python version was specified.", "",
            "When using the package manager uv on Heroku, you must specify",
            "your app's Python version with a .python-version file.", "",
            "To add a .python-version file:", "", *ROOT_DIRECTORY,
            f"2. Run 'uv python pin {major}'", "   (adjust to match your app's major Python version).",
            "3. Commit the changes to your Git repository using", "   'git add --all' and then 'git commit'.", "",
            "Note: We strongly recommend that you don't specify the Python",
            "patch version number in your .python-version file, since it will",
            "pin your app to an exact Python version and so stop your app from",
            "receiving security updates each time it builds."]


def uv_runtime_txt(major: str) -> list[str]:
    return ["Error: The runtime.txt file isn't supported when using uv.", "",
            "When using the package manager uv on Heroku, you must specify",
            "your app's Python version with a .python-version file and not", "a runtime.txt file.", "",
            "To switch to a .python-version file:", "", *ROOT_DIRECTORY, "2. Delete your runtime.txt file.",
            f"3. Run 'uv python pin {major}'", "   (adjust to match your app's major Python version).",
            "4. Commit the changes to your Git repository using", "   'git add --all' and then 'git commit'.", "",
            "Note: We strongly recommend that you don't specify the Python",
            "patch version number in your .python-version file, since it will",
            "pin your app to an exact Python version and so stop your app from",
            "receiving security updates each time it builds."]


def no_version_warning(origin: str, major: str) -> list[str]:
    return ["Warning: No Python version was specified.", "",
            "Your app doesn't specify a Python version and so the buildpack",
            "picked a default version for you.", "",
            "Relying on this default version isn't recommended, since it",
            "can change over time and may not be consistent with your local",
            "development environment, CI or other instances of your app.", "",
            "Please configure an explicit Python version for your app.", "",
            *version_file_instructions(origin, major), "",
            "If your app already has a .python-version file, check that it:", "",
            "1. Is in the top level directory (not a subdirectory).",
            "2. Is named exactly '.python-version' in all lowercase.",
            "3. Isn't listed in '.gitignore' or '.slugignore'.",
            "4. Has been added to the Git repository using 'git add --all'",
            "   and then committed using 'git commit'.", "",
            "In the future we will require the use of a .python-version",
            "file and this warning will be made an error."]


def runtime_txt_deprecated(major: str) -> list[str]:
    return ["Warning: The runtime.txt file is deprecated.", "",
            "The runtime.txt file is deprecated since it has been replaced",
            "by the more widely supported .python-version file:",
            "https://devcenter.heroku.com/changelog-items/3141", "",
            "Please switch to using a .python-version file instead.", "",
            *version_file_instructions("runtime.txt", major), "",
            "In the future support for runtime.txt will be removed and",
            "this warning will be made an error."]


def deprecated_major(major: str, origin: str) -> list[str]:
    return [f"Warning: Support for Python {major} is deprecated!", "",
            f"Python {major} will reach its upstream end-of-life in October 2026,",
            "at which point it will no longer receive security updates:",
            "https://devguide.python.org/versions/#supported-versions", "",
            f"As such, support for Python {major} will be removed from this",
            "buildpack on 6th January 2027.", "",
            "Upgrade to a newer Python version as soon as possible, by",
            f"changing the version in your {origin} file.", "",
            "For more information, see:",
            "https://devcenter.heroku.com/articles/python-support#supported-python-versions"]


def patch_update(full: str, major: str, latest: str, origin: str) -> list[str]:
    return ["Warning: A Python patch update is available!", "",
            f"Your app is using Python {full}, however, there is a newer",
            f"patch release of Python {major} available: {latest}", "",
            "It is important to always use the latest patch version of", "Python to keep your app secure.", "",
            f"Update your {origin} file to use the new version.", "",
            "We strongly recommend that you don't pin your app to an",
            f"exact Python version such as {full}, and instead only specify",
            f"the major Python version of {major} in your {origin} file.",
            "This will allow your app to receive the latest available Python",
            "patch version automatically and prevent this warning."]


# -- installs, hooks, collectstatic -----------------------------------------------------------------
def tool_install_failed(tool: str) -> list[str]:
    return [f"Error: Unable to install {tool}.", "",
            "In some cases, this happens due to a temporary issue with",
            "the network connection or Python Package Index (PyPI).", "",
            "Try building again to see if the error resolves itself.", "",
            "If that doesn't help, check the status of PyPI here:", "https://status.python.org"]


def install_failed(tool: str) -> list[str]:
    return [f"Error: Unable to install dependencies using {tool}.", "", "See the log output above for more information."]


def hook_failed(path: str) -> list[str]:
    return [f"Error: Failed to run the {path} script.", "",
            f"We found a '{path}' script in your app source, so ran",
            "it to allow for customisation of the build process.", "",
            "However, this script exited with a non-zero exit status.", "",
            "Fix any errors output by your script above, or remove/rename",
            "the script to prevent it from being run during the build."]


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
