from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "dantoc.programmes"
    label = "programmes"
    verbose_name = "Danh mục chương trình"
