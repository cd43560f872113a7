window.YTD.profile.part0 = [
  {
    "profile" : {
      "description" : {
        "bio" : "Data engineer",
        "website" : "https://t.co/abc",
        "location" : "Lyon"
      }
    }
  }
]
