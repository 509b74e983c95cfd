"""The canvas: a QGraphicsView over the image, the overlay layers, prompt markers and the gesture preview.

Scene units are image pixels with pixel (i, j) covering [i, i+1) x [j, j+1); prompts use pixel centres, so an image
coordinate is the scene coordinate minus 0.5 (docs/decisions/0201-canvas-coordinates.md).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (QGraphicsEllipseItem, QGraphicsItem, QGraphicsItemGroup, QGraphicsPathItem,
                               QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView)

from mattestudio.interaction.prompts import Box, Click, Prompt, Scribble, Soft

from .detections import DetectionLayer
from .overlays import Overlay, rgb_to_qimage
from .tools import BRUSHES, ToolKind, ToolMachine, clamp_radius

MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
ZOOM_STEP = 1.25
WHEEL_NOTCH = 120
#: screen radius of a click marker (pixels, any zoom)
CLICK_MARKER = 5.0
POSITIVE = QColor(40, 220, 90)
NEGATIVE = QColor(235, 50, 50)
#: the soft (unknown) brush: its strokes, its preview and its cursor ring
SOFT = QColor(80, 200, 255)
BRUSH_RING = {ToolKind.SCRIBBLE: QColor(255, 255, 255, 200), ToolKind.SOFT: SOFT}
STROKE_ALPHA = 140
COMMITTED_OPACITY = 0.45
Z_IMAGE, Z_MARKERS, Z_PREVIEW = 0, 20, 30


def to_scene(x: float, y: float) -> QPointF:
    return QPointF(x + 0.5, y + 0.5)


class Canvas(QGraphicsView):
    promptCreated = Signal(object)  # a typed prompt in image pixels
    zoomChanged = Signal(float)
    brushChanged = Signal(float)
    detectionPicked = Signal(int)  # the tag of a text's detection was clicked (its index)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor(48, 48, 52))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(False)  # the main window takes dropped files
        self.tools = ToolMachine(1, 1)
        self.image_item = QGraphicsPixmapItem()
        self.image_item.setZValue(Z_IMAGE)
        self.scene().addItem(self.image_item)
        self.layers: dict[Overlay, QGraphicsPixmapItem] = {}
        for z, kind in enumerate(Overlay, start=1):
            item = QGraphicsPixmapItem()
            item.setZValue(z)
            self.layers[kind] = item
            if kind not in (Overlay.MARKERS, Overlay.DETECTIONS):
                self.scene().addItem(item)
        self.markers = QGraphicsItemGroup()
        self.markers.setZValue(Z_MARKERS)
        self.scene().addItem(self.markers)
        self.detections = DetectionLayer(self.scene())
        self.preview = QGraphicsPathItem()
        self.preview.setZValue(Z_PREVIEW)
        self.scene().addItem(self.preview)
        self.brush_ring = QGraphicsEllipseItem()
        self.brush_ring.setPen(QPen(BRUSH_RING[ToolKind.SCRIBBLE], 0))
        self.brush_ring.setZValue(Z_PREVIEW)
        self.brush_ring.setVisible(False)
        self.scene().addItem(self.brush_ring)
        self._pan_from: QPointF | None = None
        self._space = False

    # ------------------------------------------------------------------ content
    def set_image(self, rgb: np.ndarray) -> None:
        h, w = rgb.shape[:2]
        self.image_item.setPixmap(QPixmap.fromImage(rgb_to_qimage(rgb)))
        self.scene().setSceneRect(QRectF(0, 0, w, h))
        t = self.tools
        self.tools = ToolMachine(w, h, t.kind, t.radii[ToolKind.SCRIBBLE], t.radii[ToolKind.SOFT])
        for item in self.layers.values():
            item.setPixmap(QPixmap())
        self.fit()

    @property
    def image_size(self) -> tuple[int, int]:
        return self.tools.width, self.tools.height

    def set_overlay(self, kind: Overlay, image: QImage | None) -> None:
        """Show ``image`` as layer ``kind``; an image smaller than the photo (a preview) is stretched over it."""
        item = self.layers[kind]
        item.setPixmap(QPixmap() if image is None else QPixmap.fromImage(image))
        item.setScale(1.0 if image is None or image.width() == 0 else self.image_size[0] / image.width())

    def _layer(self, kind: Overlay) -> QGraphicsItem:
        return {Overlay.MARKERS: self.markers, Overlay.DETECTIONS: self.detections.group}.get(kind, self.layers[kind])

    def set_overlay_visible(self, kind: Overlay, visible: bool) -> None:
        self._layer(kind).setVisible(visible)

    def set_overlay_opacity(self, kind: Overlay, opacity: float) -> None:
        self._layer(kind).setOpacity(opacity)

    def overlay_pixmap(self, kind: Overlay) -> QPixmap:
        return self.layers[kind].pixmap()

    def set_markers(self, committed: list[Prompt], pending: list[Prompt], colour: tuple[int, int, int]) -> None:
        for child in self.markers.childItems():
            self.markers.removeFromGroup(child)
            self.scene().removeItem(child)
        for prompts, opacity in ((committed, COMMITTED_OPACITY), (pending, 1.0)):
            for p in prompts:
                item = self._marker(p, QColor(*colour))
                if item is not None:
                    item.setOpacity(opacity)
                    self.markers.addToGroup(item)

    def marker_count(self) -> int:
        return len(self.markers.childItems())

    @staticmethod
    def _marker(p: Prompt, colour: QColor) -> QGraphicsItem | None:
        if isinstance(p, Click):
            r = CLICK_MARKER
            item = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
            item.setBrush(QBrush(POSITIVE if p.positive else NEGATIVE))
            item.setPen(QPen(QColor(255, 255, 255), 1.5))
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setPos(to_scene(p.x, p.y))
            return item
        if isinstance(p, Scribble):
            return _stroke_item(p.points, p.radius, POSITIVE if p.positive else NEGATIVE)
        if isinstance(p, Soft):
            return _stroke_item(p.points, p.radius, SOFT)
        if isinstance(p, Box):
            item = QGraphicsRectItem(QRectF(to_scene(p.x0, p.y0), to_scene(p.x1, p.y1)))
            pen = QPen(colour, 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            item.setPen(pen)
            return item
        return None

    # ------------------------------------------------------------------ zoom
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, z: float) -> None:
        z = min(max(z, MIN_ZOOM), MAX_ZOOM)
        self.resetTransform()
        self.scale(z, z)
        self.zoomChanged.emit(z)

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1.0 / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoomChanged.emit(self.zoom)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        notches = event.angleDelta().y() / WHEEL_NOTCH
        if notches:
            self.zoom_by(ZOOM_STEP ** notches)
        event.accept()

    # ------------------------------------------------------------------ tools
    def set_tool(self, kind: ToolKind) -> None:
        self.tools.set_kind(kind)
        self.preview.setPath(QPainterPath())
        self.brush_ring.setVisible(kind in BRUSHES)
        self.brush_ring.setPen(QPen(BRUSH_RING[self.tools.brush], 0))
        self.brushChanged.emit(self.tools.radius)  # the brush that [ and ] resize now
        self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if kind == ToolKind.PAN
                                  else Qt.CursorShape.CrossCursor)

    def grow_brush(self, steps: int) -> float:
        r = self.tools.grow_brush(steps)
        self.brushChanged.emit(r)
        return r

    def set_brush(self, radius: float, kind: ToolKind = ToolKind.SCRIBBLE) -> None:
        """Set the radius of brush ``kind`` (announced when it is the brush that [ and ] resize now)."""
        self.tools.radii[kind] = clamp_radius(radius)
        if self.tools.brush == kind:
            self.brushChanged.emit(self.tools.radius)

    def image_point(self, view_pos: QPointF) -> tuple[float, float]:
        """Image pixel coordinates (sub-pixel) of a point in viewport coordinates."""
        inverse, _ = self.viewportTransform().inverted()
        s = inverse.map(QPointF(view_pos))
        return s.x() - 0.5, s.y() - 0.5

    def view_point(self, x: float, y: float) -> QPointF:
        """Viewport coordinates of image pixel (x, y) (the inverse of :meth:`image_point`)."""
        return self.viewportTransform().map(to_scene(x, y))

    def _panning(self, event) -> bool:
        return (event.button() == Qt.MouseButton.MiddleButton or self._space
                or self.tools.kind == ToolKind.PAN)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._panning(event):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        picked = self.detections.pick_at(self.itemAt(event.position().toPoint()))
        if picked is not None and event.button() == Qt.MouseButton.LeftButton:
            self.detectionPicked.emit(picked)
            event.accept()
            return
        negative = (event.button() == Qt.MouseButton.RightButton
                    or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        self.tools.press(*self.image_point(event.position()), positive=not negative)
        self._update_preview()
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            return
        x, y = self.image_point(pos)
        if self.tools.kind in BRUSHES:
            r = self.tools.radius
            self.brush_ring.setRect(QRectF(x + 0.5 - r, y + 0.5 - r, 2 * r, 2 * r))
        if self.tools.active:
            self.tools.move(x, y)
            self._update_preview(x, y)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._pan_from is not None:
            self._pan_from = None
            self.set_tool(self.tools.kind)
            return
        prompt = self.tools.release(*self.image_point(event.position()))
        self.preview.setPath(QPainterPath())
        if prompt is not None:
            self.promptCreated.emit(prompt)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.set_tool(self.tools.kind)
            return
        super().keyReleaseEvent(event)

    def cancel_gesture(self) -> bool:
        active = self.tools.active
        self.tools.cancel()
        self.preview.setPath(QPainterPath())
        return active

    def _update_preview(self, x: float | None = None, y: float | None = None) -> None:
        g = self.tools.gesture
        if g is None:
            self.preview.setPath(QPainterPath())
            return
        colour = SOFT if g.kind == ToolKind.SOFT else POSITIVE if g.positive else NEGATIVE
        if g.kind in BRUSHES:
            c = QColor(colour)
            c.setAlpha(STROKE_ALPHA)
            pen = QPen(c, 2 * self.tools.radius, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                       Qt.PenJoinStyle.RoundJoin)
            self.preview.setPen(pen)
            self.preview.setPath(_stroke_path(g.points))
        elif g.kind == ToolKind.BOX and x is not None:
            pen = QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self.preview.setPen(pen)
            path = QPainterPath()
            path.addRect(QRectF(to_scene(*g.points[0]), to_scene(*self.tools.clamp(x, y))).normalized())
            self.preview.setPath(path)


def _stroke_path(points) -> QPainterPath:
    path = QPainterPath(to_scene(*points[0]))
    for x, y in points[1:]:
        path.lineTo(to_scene(x, y))
    if len(points) == 1:
        path.lineTo(to_scene(*points[0]) + QPointF(0.01, 0))
    return path


def _stroke_item(points, radius: float, colour: QColor) -> QGraphicsPathItem:
    c = QColor(colour)
    c.setAlpha(STROKE_ALPHA)
    item = QGraphicsPathItem(_stroke_path(points))
    item.setPen(QPen(c, 2 * radius, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    return item
