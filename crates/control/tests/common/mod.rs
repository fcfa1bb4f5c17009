//! What the control API tests share.

/// `impl Backend for $backend` for a test backend that serves one group of routes (the items
/// given, `subscribe` among them): the call routes refuse, the live lists are empty.
#[macro_export]
macro_rules! backend_without_calls {
    ($backend:ty { $($items:tt)* }) => {
        #[async_trait::async_trait]
        impl Backend for $backend {
            async fn status(&self) -> Result<Status, ApiError> {
                Err(ApiError::internal("not in this test"))
            }
            async fn dial(&self, _: DialRequest) -> Result<CallInfo, ApiError> {
                Err(ApiError::internal("not in this test"))
            }
            async fn act(&self, _: Option<String>, _: CallAction) -> Result<CallInfo, ApiError> {
                Err(ApiError::internal("not in this test"))
            }
            async fn transfer(
                &self,
                _: Option<String>,
                _: TransferRequest,
            ) -> Result<CallInfo, ApiError> {
                Err(ApiError::internal("not in this test"))
            }
            async fn keys(&self, _: String, _: Option<String>) -> Result<(), ApiError> {
                Err(ApiError::internal("not in this test"))
            }
            async fn lamps(&self) -> Result<Vec<Lamp>, ApiError> {
                Ok(Vec::new())
            }
            async fn calls(&self) -> Result<Vec<CallInfo>, ApiError> {
                Ok(Vec::new())
            }
            async fn history(&self, _: usize) -> Result<Vec<HistoryEntry>, ApiError> {
                Ok(Vec::new())
            }
            $($items)*
        }
    };
}
