/*
 * Bittorrent Client using Qt and libtorrent.
 * Copyright (C) 2026  The Megatorrent authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU General Public License
 * as published by the Free Software Foundation; either version 2
 * of the License, or (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 *
 * In addition, as a special exception, the copyright holders give permission to
 * link this program with the OpenSSL project's "OpenSSL" library (or with
 * modified versions of it that use the same license as the "OpenSSL" library),
 * and distribute the linked executables. You must obey the GNU General Public
 * License in all respects for all of the code used other than "OpenSSL".  If you
 * modify file(s), you may extend this exception to your version of the file(s),
 * but you are not obligated to do so. If you do not wish to do so, delete this
 * exception statement from your version.
 */

#pragma once

#include "apicontroller.h"

// /api/v2/megatorrent/...: Megatorrent channels (see base/megatorrent/megatorrentservice.h).
class MegatorrentController final : public APIController
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MegatorrentController)

public:
    using APIController::APIController;

private slots:
    void subscribeAction();
    void unsubscribeAction();
    void subscriptionsAction();
    void itemsAction();
    void refreshAction();
    void offerAction();
    void infoAction();
};
