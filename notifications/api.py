from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import notification_list
from .services import notification_mark_all_read, notification_mark_read


class InAppNotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    message = serializers.CharField()
    url = serializers.CharField()
    created = serializers.DateTimeField()
    read = serializers.BooleanField(source="is_read")


class NotificationsMarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationListApi(ListAPIView):
    serializer_class = InAppNotificationSerializer

    def get_queryset(self):
        return notification_list(user=self.request.user)

    @extend_schema(responses=InAppNotificationSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=InAppNotificationSerializer)
    def post(self, request, notification_id: int):
        notification = notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(InAppNotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    @extend_schema(request=None, responses=NotificationsMarkedReadSerializer)
    def post(self, request):
        marked = notification_mark_all_read(user=request.user)
        return Response(NotificationsMarkedReadSerializer({"marked": marked}).data)
