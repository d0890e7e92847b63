"""The QR code printed on certificates: drawn as module runs, the same modules as the matrix."""

from yibao.documents.verification import QrFlowable, dark_runs, qr_matrix

URL = "https://yibao.example.cn/documents/verify/ABCDEFGHJKMNPQRS/"


def test_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix(URL)
    rebuilt = [[False] * len(row) for row in matrix]
    for row, first, length in dark_runs(matrix):
        for col in range(first, first + length):
            assert not rebuilt[row][col]  # runs never overlap
            rebuilt[row][col] = True
    assert rebuilt == matrix
    assert len(dark_runs(matrix)) < sum(map(sum, matrix))  # adjacent modules merge


def test_the_flowable_keeps_the_requested_size():
    flowable = QrFlowable(URL, 24)
    width, height = flowable.wrap(500, 500)
    assert width == height == flowable.size
    assert flowable.matrix == qr_matrix(URL)
