"""The files herosim dev watches: tracked or trackable, less .gitignore's and .slugignore's."""

import subprocess

from herosim.app.devchanges import ADDED, MODIFIED, REMOVED, Change
from herosim.app.devtree import Tree, changes

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]


def repo(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(GIT + ["init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(GIT + ["add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(GIT + ["commit", "-qm", "init"], cwd=tmp_path, check=True)
    return tmp_path


def test_listing_is_what_git_tracks_or_would_track_less_slugignore(tmp_path):
    root = repo(tmp_path, {"app.py": "x", ".gitignore": "*.log\n.env\n", ".slugignore": "docs/\n",
                           "docs/guide.md": "g", "Procfile": "web: x"})
    (root / "new.py").write_text("new")           # untracked, not ignored: a push would take it once added
    (root / "debug.log").write_text("ignored")    # ignored by git
    (root / ".env").write_text("SECRET=1")
    (root / "docs" / "draft.md").write_text("d")  # untracked, slug-ignored
    listing = Tree(root).scan()
    assert listing.files == {"app.py", ".gitignore", ".slugignore", "Procfile", "new.py"}
    assert listing.untracked == {"new.py"}


def test_a_deleted_tracked_file_leaves_the_listing(tmp_path):
    root = repo(tmp_path, {"app.py": "x", "old.py": "y"})
    (root / "old.py").unlink()
    assert Tree(root).scan().files == {"app.py"}


def test_digests_tell_a_real_change_from_a_touch(tmp_path):
    root = repo(tmp_path, {"app.py": "one"})
    tree = Tree(root)
    before = tree.digests(["app.py"])
    stamp = tree.stamps(["app.py"])
    (root / "app.py").write_text("one")
    assert tree.digests(["app.py"]) == before
    (root / "app.py").write_text("two!")
    assert tree.digests(["app.py"]) != before
    assert tree.stamps(["app.py"]) != stamp
    plain = tree.digest("app.py")
    (root / "app.py").chmod(0o755)
    assert tree.digest("app.py") != plain  # the executable bit reaches the slug too
    assert tree.digests(["missing.py"]) == {}


def test_changes_between_content_maps():
    before = {"a.py": "1", "b.py": "2", "c.py": "3"}
    after = {"a.py": "1", "b.py": "22", "d.py": "4"}
    assert changes(before, after) == [Change("b.py", MODIFIED), Change("c.py", REMOVED), Change("d.py", ADDED)]
    assert changes(before, after, names={"c.py"}) == [Change("c.py", REMOVED)]
