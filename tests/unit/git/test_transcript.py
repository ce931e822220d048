"""What Heroku Git says around a build (pure): which updates build, and the rejections'
lines, word for word (git adds `remote: ` before each)."""

from herosim.git import transcript
from herosim.git.transcript import ZERO, RefUpdate

A, B = "a" * 40, "b" * 40


def test_parse_reads_the_hooks_stdin():
    assert transcript.parse(f"{ZERO} {A} refs/heads/main\n{A} {B} refs/heads/feature\n") == [
        RefUpdate(ZERO, A, "refs/heads/main"), RefUpdate(A, B, "refs/heads/feature")]


def test_main_and_master_build_other_branches_do_not():
    assert transcript.plan([RefUpdate(ZERO, A, "refs/heads/main")]) == transcript.Plan((), RefUpdate(ZERO, A, "refs/heads/main"))
    assert transcript.plan([RefUpdate(A, B, "refs/heads/master")]).build.branch == "master"
    assert transcript.plan([RefUpdate(ZERO, A, "refs/heads/feature")]) == transcript.Plan(
        ("Pushed to branch other than [main, master], skipping build.",), None)
    assert transcript.plan([RefUpdate(ZERO, A, "refs/tags/v1")]) == transcript.Plan((), None)


def test_deleting_a_deploy_branch_is_refused():
    assert transcript.plan([RefUpdate(A, ZERO, "refs/heads/main")]) == transcript.Plan(
        ("", "!\tPush rejected, cannot delete main branch", ""), None, refused=True)


def test_a_buildpack_error_then_the_platforms_verdict():
    lines = transcript.build_rejected(["Error: Unable to install dependencies using pip.", "",
                                       "See the log output above for more information."], "", [])
    assert lines + transcript.rejected_tail("demo") == [
        "",
        " !     Error: Unable to install dependencies using pip.",
        " !     ",
        " !     See the log output above for more information.",
        "",
        " !     Push rejected, failed to compile Python app.",
        "",
        " !     Push failed",
        "Verifying deploy...",
        "",
        "!\tPush rejected to demo.",
        "",
    ]


def test_nothing_python_is_no_default_language():
    assert transcript.build_rejected(["Error: Your app is configured to use the Python buildpack,"], "detect", [])[1] \
        == " !     No default language could be detected for this app."


def test_a_commit_built_before_gets_the_duplicate_build_warning():
    tail = transcript.rejected_tail("demo", A)
    assert tail[:4] == ["", " !     Push failed", " !",
                        f" ! ## Warning - The same version of this code has already been built: {A}"]
    assert tail[-4:] == ["Verifying deploy...", "", "!\tPush rejected to demo.", ""]


def test_prices_and_provisioning_lines_are_herokus():
    from herosim.addons import registry
    assert registry.price_text("heroku-postgresql:essential-0") == "~$0.007/hour (max $5/month)"
    assert registry.price_text("heroku-redis:mini") == "~$0.004/hour (max $3/month)"
    assert registry.price_text("scheduler:standard") == "free"
    assert registry.provision_lines("heroku-postgresql:essential-0") == [
        "Database has been created and is available",
        " ! This database is empty. If upgrading, you can transfer",
        " ! data from another database with pg:copy"]
    assert registry.provision_lines("heroku-redis:mini") == []


def test_sizes_print_as_herokus_cli_prints_them():
    from herosim.app.catalog import first_port, jedec
    assert [jedec(n) for n in (None, 1000, 1536, 23 * 1024 * 1024 + 1)] == ["0 B", "1000 B", "2 KB", "23 MB"]
    assert first_port({5006, 5008}, lambda p: p != 5007) == 5009
