//! Group commit for creates on SQLite. SQLite has one writer, and every statement is a round
//! trip to sqlx's worker thread, so a create spends most of its time on `BEGIN`, `COMMIT` and
//! waiting its turn. Creates that arrive while a transaction runs are queued; the next
//! transaction writes them all, with one multi-row `INSERT` per table. If that transaction
//! fails, each create is retried on its own, so every caller gets its own answer and one bad
//! record never fails another's.

use std::sync::Weak;

use omnera_core::backend::{Record, RecordValues, StorageError, WriteOptions};
use tokio::sync::{mpsc, oneshot};

use crate::error::unavailable;
use crate::storage::{Inner, SqlStorage};

/// The most creates one transaction takes.
const MAX_GROUP: usize = 256;

/// One caller's create, waiting for its group.
struct PendingCreate {
    table: String,
    drafts: Vec<RecordValues>,
    /// The caller's options: its records' events carry its actor and request id.
    options: WriteOptions,
    reply: oneshot::Sender<Result<Vec<Record>, StorageError>>,
}

/// The queue of creates; its task ends when the last [`SqlStorage`] clone is dropped.
#[derive(Debug)]
pub(crate) struct CreateQueue {
    sender: mpsc::UnboundedSender<PendingCreate>,
}

impl CreateQueue {
    /// Starts the task that commits the groups of `storage`.
    pub(crate) fn start(storage: Weak<Inner>) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(commit_groups(storage, receiver));
        Self { sender }
    }

    /// Creates `drafts` in `table` with the next group; answers when it is committed.
    pub(crate) async fn create(
        &self,
        table: &str,
        drafts: Vec<RecordValues>,
        options: &WriteOptions,
    ) -> Result<Vec<Record>, StorageError> {
        let (reply, answer) = oneshot::channel();
        let pending = PendingCreate { table: table.to_owned(), drafts, options: options.clone(), reply };
        self.sender.send(pending).map_err(|_| unavailable("the storage is shutting down"))?;
        answer.await.map_err(|_| unavailable("the storage is shutting down"))?
    }
}

async fn commit_groups(storage: Weak<Inner>, mut receiver: mpsc::UnboundedReceiver<PendingCreate>) {
    while let Some(first) = receiver.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(pending) => group.push(pending),
                Err(_) => break,
            }
        }
        let Some(inner) = storage.upgrade() else { return };
        commit_group(&SqlStorage::from_inner(inner), group).await;
    }
}

async fn commit_group(storage: &SqlStorage, group: Vec<PendingCreate>) {
    if group.len() > 1 {
        let drafts: Vec<(&str, Vec<RecordValues>, &WriteOptions)> = group
            .iter()
            .map(|pending| (pending.table.as_str(), pending.drafts.clone(), &pending.options))
            .collect();
        if let Ok(created) = storage.insert_together(drafts).await {
            for (pending, records) in group.into_iter().zip(created) {
                let _ = pending.reply.send(Ok(records));
            }
            return;
        }
    }
    // Alone, or after the group's transaction failed: each create in a transaction of its own.
    for pending in group {
        let created = storage.insert_now(&pending.table, pending.drafts, &pending.options).await;
        let _ = pending.reply.send(created);
    }
}
