"""What each page shows, gathered from the store, the policies and the grader."""

from __future__ import annotations

import datetime

from autograder.messages import service as said
from autograder.results import SubmissionResult
from autograder.service import auth, pages
from autograder.service.policy import CLOSED, LATE, NOT_OPEN, Policy
from autograder.service.store import FAILED, GRADED, GRADING, QUEUED, Holder, Submission, now
from autograder.service.submissions import Service, describe


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def state_text(policy: Policy, moment: datetime.datetime) -> str:
    state = policy.state(moment)
    if state == NOT_OPEN:
        return f"Abre el {policy.local(policy.opens)}."
    if state == LATE:
        return (f"El plazo terminó el {policy.local(policy.closes)}; se admiten entregas con "
                f"retraso hasta el {policy.local(policy.late_until)}.")
    if state == CLOSED:
        return f"Cerrada desde el {policy.local(policy.late_until)}."
    if policy.closes is None:
        return "Abierta, sin fecha límite."
    return f"Abierta hasta el {policy.local(policy.closes)}."


def rule_text(policy: Policy) -> str:
    text = "Cuenta la última entrega recibida antes del plazo."
    if policy.closes is not None and policy.late_hours:
        text += (" Una entrega con retraso cuenta en su lugar y queda marcada como tardía."
                 if policy.late == "counts" else
                 " Las entregas con retraso se corrigen, pero no cuentan para la nota.")
    return text


def _counting(submissions: list[Submission]) -> set[str]:
    """Ids of the submission that counts, per assignment: the newest that may count."""
    chosen: dict[str, Submission] = {}
    for submission in submissions:
        best = chosen.get(submission.assignment)
        if submission.counts and (best is None or submission.seq > best.seq):
            chosen[submission.assignment] = submission
    return {submission.id for submission in chosen.values()}


def _counts_text(submission: Submission, counting: set[str]) -> str:
    if submission.id in counting:
        return "sí, con retraso" if submission.late else "sí"
    if not submission.counts:
        return "no (con retraso)"
    return "no: la sustituye una posterior"


def _received(service: Service, submission: Submission) -> str:
    return service.policy(submission.assignment).local(submission.received)


def student_page(service: Service, holder: Holder, request, *, error: str = "",
                 accepted: Submission | None = None) -> str:
    moment = now()
    assignments, open_ones = [], []
    for name in service.assignments():
        policy = service.policy(name)
        if policy.state(moment) not in (NOT_OPEN, CLOSED):
            open_ones.append(name)
        assignments.append({
            "name": name, "state_text": state_text(policy, moment),
            "rule_text": rule_text(policy), "per_hour": policy.per_hour,
            "before": said.VIEW_NAMES[policy.before_deadline],
            "after": said.VIEW_NAMES[policy.after_deadline],
        })
    submissions = service.store.of_student(holder.who)
    counting = _counting(submissions)
    history = []
    for submission in submissions:
        data = describe(service, submission, holder)
        history.append({
            **data, "received": _received(service, submission),
            "status_text": said.STATUS_NAMES[submission.status],
            "position": data["queue_position"], "eta": _duration(data["eta_seconds"]),
            "counts_text": _counts_text(submission, counting),
            "graded": submission.status in (GRADED, FAILED),
        })
    waiting = any(s.status in (QUEUED, GRADING) for s in submissions)
    notice = ""
    if accepted is not None:
        notice = said.ACCEPTED.format(size=accepted.size, sha=accepted.sha256[:12])
    return pages.page(
        pages.STUDENT, title="Mis entregas", student=holder.who, name=holder.name,
        assignments=assignments, open_assignments=open_ones, history=history, error=error,
        accepted=notice, csrf=auth.csrf_token(service.secret, request.cookies.get(auth.COOKIE, "")),
        max_mb=service.max_upload / 1024 / 1024, refresh=10 if waiting else None,
    )


def feedback_page(service: Service, submission: Submission, holder: Holder) -> str:
    data = describe(service, submission, holder)
    policy = service.policy(submission.assignment)
    moment = now()
    counting = _counting([s for s in service.store.of_student(submission.student)])
    return pages.page(
        pages.FEEDBACK, title=f"Corrección de {submission.assignment}", s=data,
        received=_received(service, submission),
        counts_text=("cuenta para la nota" if submission.id in counting
                     else "no cuenta para la nota"),
        view_text=said.VIEW_NAMES[data.get("view", policy.view(moment))],
        before_deadline=not policy.past_deadline(moment),
        pending=sum(t["max_points"] for t in data["tests"] if t["status"] == "manual"),
        refresh=10 if submission.status in (QUEUED, GRADING) else None,
    )


def _attention(submission: Submission) -> str:
    if submission.status == FAILED and submission.result is None:
        return "no se pudo corregir (mira el registro del servicio)"
    if submission.result is None:
        return ""
    codes = sorted({p.code for p in SubmissionResult.from_json(submission.result).all_problems})
    return ", ".join(codes)


def dashboard(service: Service) -> str:
    moment = now()
    every = service.store.all()
    assignments = []
    for name in service.assignments():
        policy = service.policy(name)
        mine = [s for s in every if s.assignment == name]
        by_student: dict[str, list[Submission]] = {}
        for submission in mine:
            by_student.setdefault(submission.student, []).append(submission)
        students = []
        for student, handed in sorted(by_student.items()):
            counting = [s for s in handed if s.counts] or handed
            last = counting[-1]
            person = service.store.person(student)
            result = SubmissionResult.from_json(last.result) if last.result else None
            students.append({
                "student": student, "name": person.name if person else "",
                "count": len(handed), "received": _received(service, last), "late": last.late,
                "status_text": said.STATUS_NAMES[last.status],
                "points": result.points if result else None,
                "max_points": result.max_points if result else None,
            })
        attention = [{"student": s.student, "received": _received(service, s),
                      "why": _attention(s)} for s in mine if _attention(s)]
        assignments.append({"name": name, "state_text": state_text(policy, moment),
                            "students": students, "total": len(mine), "attention": attention})
    grader = service.grader
    return pages.page(
        pages.DASHBOARD, title="Panel del profesor", assignments=assignments,
        queued=sum(s.status == QUEUED for s in every),
        grading=sum(s.status == GRADING for s in every),
        slots=(grader.slots() if grader is not None else 0) or "?",
        report=(service.course.root / "report" / "index.html").is_file(),
        refresh=30,
    )
