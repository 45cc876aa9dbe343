from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.programmes import selectors
from dantoc.programmes.serializers import ProgrammeDetailSerializer, ProgrammeSerializer


class ProgrammeListApi(generics.ListAPIView):
    """Danh mục chương trình / Programme catalogue."""

    serializer_class = ProgrammeSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.programmes_list()


class ProgrammeDetailApi(APIView):
    """Chương trình với cây dự án, tiểu dự án / A programme with its project tree."""

    @extend_schema(responses=ProgrammeDetailSerializer)
    def get(self, request, code: str):
        programme = selectors.programme_get(code=code)
        if programme is None:
            raise NotFound(f"Không có chương trình mã {code!r}.")
        tree = selectors.programme_tree(programme)
        children: dict[int, list] = {}

        def walk(nodes):
            for node in nodes:
                children[node.component.pk] = [c.component for c in node.children]
                walk(node.children)

        walk(tree)
        context = {"tree": tree, "children": children}
        return Response(ProgrammeDetailSerializer(programme, context=context).data)
