window.YTD.account.part0 = [
  {
    "account" : {
      "createdVia" : "web",
      "username" : "jo",
      "accountId" : "50",
      "createdAt" : "2015-06-01T12:00:00.000Z",
      "accountDisplayName" : "Jo"
    }
  }
]
