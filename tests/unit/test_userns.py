"""No sudo: where the kernel refuses an ordinary user a user namespace, the error names the setting and the fix;
where it allows one, a job's namespaces are entered as the uid jobs run as; run as root, submissions are parsed
as nobody under hard limits."""
import errno
import os
import resource
import tempfile

import pytest

from grader.containment import isolation, userns


@pytest.mark.parametrize("setting, value, fix", [
    ("/proc/sys/kernel/unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone=1"),
    ("/proc/sys/user/max_user_namespaces", "0", "user.max_user_namespaces=15000"),
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1", "apparmor_restrict_unprivileged_userns=0"),
])
def test_a_refusal_names_the_setting_and_the_fix(tmp_path, monkeypatch, setting, value, fix):
    fake = tmp_path / "setting"
    fake.write_text(value + "\n")
    monkeypatch.setattr(userns, "SYSCTLS", {str(fake): userns.SYSCTLS[setting]})
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    said = userns.refusal(errno.EPERM)
    assert fix in said and "forbids unprivileged user namespaces" in said
    fake.write_text("allowed\n")
    assert userns.refusal(errno.EPERM) == ""


@pytest.mark.skipif(bool(isolation.isolation_available()), reason=isolation.isolation_available() or "-")
def test_a_jobs_namespaces_are_entered_as_the_jobs_uid():
    assert userns.job_namespaces_work(isolation.job_uid()) == ""
    assert isolation.job_uid(3) == (isolation.BASE_UID + 3 if os.geteuid() == 0 else os.geteuid())


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to nobody needs root")
def test_run_as_root_the_intake_helper_parses_as_nobody_under_limits():
    from grader.classroom import intake
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        uid, gid = intake._helper_ids()
        scratch = tempfile.mkdtemp()
        os.chown(scratch, uid, gid)
        intake._limit_and_drop(scratch, uid, gid)
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        os.write(write, f"{os.geteuid()} {os.getegid()} {soft} {os.getgroups()}".encode())
        os._exit(0)
    os.close(write)
    euid, egid, limit, groups = os.read(read, 200).decode().split(" ", 3)
    os.waitpid(pid, 0)
    assert (int(euid), int(egid)) == intake._helper_ids() and int(euid) != 0 and groups == "[]"
    assert 0 < int(limit) < 2**40
