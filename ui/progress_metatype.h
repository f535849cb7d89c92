// quire::ProgressUpdate as a Qt metatype, for the controllers' progress signals (QVariant,
// QSignalSpy). One declaration for every ui header that emits progress.
#pragma once

#include <QMetaType>

#include "engine/base/progress.h"

Q_DECLARE_METATYPE(quire::ProgressUpdate)
