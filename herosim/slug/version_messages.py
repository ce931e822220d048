"""The Python buildpack's messages about the Python version, word for word (the buildpack's
own specs compare them). Each function returns the lines of one block."""

from __future__ import annotations

from herosim.slug.buildpack import DEFAULT_MAJOR, NEWEST_MINOR, OLDEST_MINOR

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
                f"Please upgrade to at least Python {oldest} by configuring an",
                "explicit Python version for your app.",
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
