from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.accounts import selectors
from dantoc.accounts.serializers import MeSerializer, UserSerializer


class MeApi(APIView):
    """Tài khoản đang đăng nhập / The signed-in account."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        user.capabilities = selectors.user_capabilities(user)
        return Response(MeSerializer(user).data)


class UserListApi(generics.ListAPIView):
    """Cán bộ thuộc phạm vi đơn vị của người xem / Officials within the viewer's unit subtree."""

    permission_classes = [IsAuthenticated]
    serializer_class = UserSerializer
    filter_backends: list = []

    @extend_schema(parameters=[OpenApiParameter("unit", str, description="Mã đơn vị / unit code")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        users = selectors.users_visible_to(self.request.user)
        code = self.request.query_params.get("unit")
        if code:
            users = users.filter(unit__code=code)
        return users


class UserDetailApi(generics.RetrieveAPIView):
    """Một cán bộ (404 nếu ngoài phạm vi) / One official (404 outside the viewer's scope)."""

    permission_classes = [IsAuthenticated]
    serializer_class = UserSerializer

    def get_queryset(self):
        return selectors.users_visible_to(self.request.user)
