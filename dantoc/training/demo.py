"""Demo data (loader ``training.demo``): a past training with attendance, feedback and
certificates (one revoked), a coming workshop with a nomination and a registration, a citizen
training with head counts, an e-learning course with lessons and a quiz, rosters of two
communes' officials without an account, and the 100 % goal's figures."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF

from dantoc.accounts.models import User
from dantoc.analytics.documents import font_files
from dantoc.geo.models import EthnicGroup
from dantoc.media.processing import asset_process
from dantoc.training import figures, roster, services
from dantoc.training.models import (
    Certificate,
    Choice,
    Course,
    Event,
    Lesson,
    Question,
    RosterEntry,
)

PAST = "Tập huấn vận hành Hệ thống thông tin báo cáo Chương trình MTQG 1719"
COMING = "Hội thảo chuyển đổi số trong thực hiện Chương trình MTQG vùng đồng bào DTTS&MN"
CITIZENS = "Tập huấn kỹ năng số và bán hàng trực tuyến cho đồng bào"
COURSE = "Báo cáo Chương trình MTQG 1719 trên điện thoại"

LESSONS = [
    (
        "Đăng nhập và xác thực hai lớp",
        "Mỗi cán bộ có một tài khoản gắn với đơn vị của mình. Không dùng chung tài khoản.\n\n"
        "Cán bộ có quyền phê duyệt phải bật xác thực hai lớp bằng ứng dụng trên điện thoại.",
    ),
    (
        "Nhập số liệu biểu mẫu",
        "Chọn biểu mẫu và kỳ báo cáo, nhập từng ô; hệ thống kiểm tra ngay khi lưu.\n\n"
        "Khi mạng yếu, số liệu được giữ trên máy và gửi lại khi có mạng.",
    ),
    (
        "Gửi, duyệt và trả lại báo cáo",
        "Báo cáo đã gửi được cấp trên duyệt hoặc trả lại kèm lý do.\n\n"
        "Báo cáo đã duyệt bị khóa; muốn sửa phải đề nghị cấp trên trả lại.",
    ),
]
QUESTIONS = [
    (
        "Ai phải bật xác thực hai lớp?",
        "Cán bộ có quyền phê duyệt và quản trị.",
        [("Mọi người dân", False), ("Cán bộ có quyền phê duyệt", True), ("Không ai", False)],
    ),
    (
        "Mạng yếu khi đang nhập số liệu thì sao?",
        "Số liệu được giữ trên máy và gửi lại sau.",
        [("Mất hết số liệu", False), ("Số liệu được giữ và gửi lại sau", True)],
    ),
    (
        "Muốn sửa báo cáo đã duyệt?",
        "Báo cáo đã duyệt bị khóa.",
        [("Sửa trực tiếp", False), ("Đề nghị cấp trên trả lại", True)],
    ),
]


def _at(days: int, hour: int) -> datetime.datetime:
    today = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(hour)))


def demo_training_load() -> dict:
    made = {}
    organiser = User.objects.get(username="tinh.tuyenquang")
    lungcu = User.objects.get(username="xa.lungcu")
    ngocduong = User.objects.get(username="xa.ngocduong")

    if not Event.objects.filter(title=PAST).exists():
        event = services.event_create(
            actor=organiser,
            unit=organiser.unit,
            kind="training",
            title=PAST,
            starts_at=_at(-20, 8),
            ends_at=_at(-19, 17),
            venue="Hội trường UBND tỉnh Tuyên Quang",
            description="Nhập, gửi, duyệt báo cáo; khai thác số liệu; an toàn thông tin.",
        )
        first = services.session_add(
            actor=organiser,
            event=event,
            title="Nhập và gửi báo cáo",
            mode="in_person",
            starts_at=_at(-20, 8),
            ends_at=_at(-20, 11),
            venue="Hội trường UBND tỉnh",
            trainers="ThS. Hoàng Văn Lâm",
        )
        second = services.session_add(
            actor=organiser,
            event=event,
            title="Khai thác số liệu và an toàn thông tin",
            mode="hybrid",
            starts_at=_at(-19, 14),
            ends_at=_at(-19, 17),
            venue="Hội trường UBND tỉnh",
            trainers="TS. Lò Thị Mai",
        )
        people = []
        for user in (lungcu, ngocduong):
            p = services.participant_nominate(actor=organiser, event=event, nominee=user)
            services.participant_confirm(actor=organiser, participant=p)
            people.append(p)
        for session in (first, second):
            services.attendance_record(
                actor=organiser, session=session, participant=people[0], method="qr"
            )
        services.attendance_record(
            actor=organiser, session=first, participant=people[1], method="manual"
        )
        services.event_complete(actor=organiser, event=event)
        services.feedback_submit(
            actor=lungcu,
            event=event,
            content_rating=5,
            trainer_rating=4,
            comment="Cần thêm thời gian thực hành trên điện thoại.",
        )
        services.feedback_submit(actor=ngocduong, event=event, content_rating=4, trainer_rating=4)
        _demo_materials(organiser, event)
        # A certificate issued by mistake, then revoked (the verification page shows it).
        wrong = services.certificate_issue(actor=organiser, user=ngocduong, event=event)
        services.certificate_revoke(
            actor=organiser, certificate=wrong, reason="Cấp nhầm: chưa dự đủ các phiên."
        )
        made["past_event"] = 1

    if not Event.objects.filter(title=COMING).exists():
        event = services.event_create(
            actor=organiser,
            unit=organiser.unit,
            kind="workshop",
            title=COMING,
            starts_at=_at(10, 8),
            ends_at=_at(10, 17),
            venue="Trung tâm Hội nghị tỉnh",
            # For commune officials only (the province's own officers cannot register).
            audience_levels=["commune"],
        )
        services.session_add(
            actor=organiser,
            event=event,
            title="Phiên toàn thể",
            mode="hybrid",
            starts_at=_at(10, 8),
            ends_at=_at(10, 11),
            venue="Trung tâm Hội nghị tỉnh",
            trainers="Sở Khoa học và Công nghệ",
        )
        services.session_add(
            actor=organiser,
            event=event,
            title="Thảo luận nhóm",
            mode="in_person",
            starts_at=_at(10, 14),
            ends_at=_at(10, 17),
            venue="Phòng 2",
        )
        services.quota_set(actor=organiser, event=event, unit=lungcu.unit, places=3)
        services.participant_register(actor=lungcu, event=event)
        services.participant_nominate(actor=organiser, event=event, nominee=ngocduong)
        made["coming_event"] = 1

    if not Event.objects.filter(title=CITIZENS).exists():
        event = services.event_create(
            actor=lungcu,
            unit=lungcu.unit,
            kind="training",
            title=CITIZENS,
            audience="citizens",
            starts_at=_at(-5, 8),
            ends_at=_at(-5, 11),
            venue="Nhà văn hóa thôn Lô Lô Chải",
            audience_units=[lungcu.unit],
        )
        session = services.session_add(
            actor=lungcu,
            event=event,
            title="Dùng điện thoại để bán nông sản",
            mode="in_person",
            starts_at=_at(-5, 8),
            ends_at=_at(-5, 11),
            venue="Nhà văn hóa thôn",
            trainers="Đoàn Thanh niên xã",
        )
        for code, counts in (
            ("08", [("male", "16-30", 14), ("female", "16-30", 17), ("female", "31-45", 9)]),
            ("01", [("male", "31-45", 3)]),
        ):
            group = EthnicGroup.objects.filter(code=code).first()
            if group is not None:
                services.headcount_record(
                    actor=lungcu, session=session, ethnic_group=group, counts=counts
                )
        made["citizen_event"] = 1

    if not Course.objects.filter(title=COURSE).exists():
        course = Course.objects.create(
            title=COURSE,
            unit=organiser.unit.parent or organiser.unit,
            pass_score=70,
            summary="Ba bài ngắn, mỗi bài vài phút, và một bài kiểm tra.",
            is_published=True,
        )
        for position, (title, body) in enumerate(LESSONS, start=1):
            Lesson.objects.create(course=course, position=position, title=title, body=body)
        for position, (text, explanation, choices) in enumerate(QUESTIONS, start=1):
            question = Question.objects.create(
                course=course, position=position, text=text, explanation=explanation
            )
            for choice_text, right in choices:
                Choice.objects.create(question=question, text=choice_text, is_correct=right)
        for position in range(1, len(LESSONS) + 1):
            services.lesson_open(actor=lungcu, course=course, position=position)
        answers = {q.pk: q.choices.get(is_correct=True).pk for q in course.questions.all()}
        services.quiz_submit(actor=lungcu, course=course, answers=answers)
        services.lesson_open(actor=ngocduong, course=course, position=1)
        made["course"] = 1
    if not RosterEntry.objects.exists():
        made["roster_entries"] = _demo_roster(organiser, lungcu, ngocduong)["entries"]
    made["certificates"] = Certificate.objects.count()
    # The 100 % goal as indicator values, so that the dashboard's key figure has them.
    made["goal_units_written"] = figures.figures_write_all()
    return made


def _demo_materials(organiser, event) -> None:
    """The training's slides (a PDF made here) and, where ffmpeg is installed, a short audio
    recap (a tone standing in for a recording), processed at once so they can be opened."""
    pdf = FPDF(format="A4")
    fonts = font_files()
    pdf.add_font("Body", "", str(fonts[""]))
    pdf.add_font("Body", "B", str(fonts["B"]))
    for heading, body in LESSONS:
        pdf.add_page()
        pdf.set_font("Body", "B", 18)
        pdf.multi_cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Body", "", 13)
        pdf.multi_cell(0, 8, body.replace("\n\n", "\n"), new_x="LMARGIN", new_y="NEXT")
    files = [("Bài giảng: vận hành hệ thống báo cáo", "bai-giang.pdf", bytes(pdf.output()))]
    if shutil.which("ffmpeg"):
        with tempfile.TemporaryDirectory(prefix="dantoc-training-demo-") as folder:
            target = Path(folder) / "tom-tat.mp3"
            subprocess.run(
                [
                    "ffmpeg",
                    "-nostdin",
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=440:duration=6",
                    "-c:a",
                    "libmp3lame",
                    "-b:a",
                    "48k",
                    str(target),
                ],
                check=True,
                timeout=120,
            )
            files.append(("Ghi âm tóm tắt buổi tập huấn", "tom-tat.mp3", target.read_bytes()))
    for title, name, content in files:
        material = services.material_add(
            actor=organiser, event=event, title=title, file=SimpleUploadedFile(name, content)
        )
        asset_process(asset_id=material.asset_id)


def _demo_roster(organiser, lungcu, ngocduong) -> dict:
    """Rosters of the two demo communes: village heads and commune staff without an account,
    one trained elsewhere this year, and one entry that is an existing account (counted once)."""
    today = timezone.localdate()
    earlier = max(today - datetime.timedelta(days=30), datetime.date(today.year, 1, 1))
    rows = []
    people = [
        (lungcu.unit, "Sùng Mí Pó", "Trưởng thôn Lô Lô Chải", "", "0912000101", earlier),
        (lungcu.unit, "Giàng Thị Mỷ", "Trưởng thôn Thèn Pả", "", "0912000102", None),
        (lungcu.unit, "Vàng Seo Lử", "Công chức Văn hoá - Xã hội", "", "", None),
        (ngocduong.unit, "Hoàng Thị Vân", "Trưởng thôn Khuổi My", "", "0912000201", None),
        (ngocduong.unit, "Nông Văn Thiết", "Công chức Địa chính - Xây dựng", "", "", earlier),
        (
            ngocduong.unit,
            str(ngocduong),
            ngocduong.position or "Cán bộ xã",
            ngocduong.email,
            "",
            None,
        ),
    ]
    for number, (unit, name, position, email, phone, trained_on) in enumerate(people, start=2):
        rows.append(
            roster.RosterRow(
                number,
                unit,
                name,
                position,
                (email or "").lower(),
                phone,
                trained_on,
                "Lớp bồi dưỡng của Ban Dân tộc tỉnh" if trained_on else "",
            )
        )
    return services.roster_replace(actor=organiser, rows=rows)
